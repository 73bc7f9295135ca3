import type { AccessControl } from '../access/access-control.js';
import type { UsageRecorder } from '../access/usage-recorder.js';
import type { Logger } from '../logger.js';
import type { UpstreamRepository } from '../upstream/upstream-repository.js';
import type { DistIndex } from './dist-index.js';
import type { RenderCache } from './rendered.js';
import type { UrlRewriter } from './url-rewriter.js';

/** What the Composer-facing routes need, handed over by the composition root. */
export interface ComposerDeps {
  readonly access: AccessControl;
  readonly usage: UsageRecorder;
  readonly repository: UpstreamRepository;
  readonly rewriter: UrlRewriter;
  readonly dists: DistIndex;
  readonly renders: RenderCache;
  readonly publicUrl: string | undefined;
  readonly logger: Logger;
  /** Undefined when ready, else what is not. */
  readonly notReady: () => Promise<string | undefined>;
}
