import type { AccessControl } from '../access/access-control.js';
import type { ArchiveCache } from '../archives/archive-cache.js';
import type { UsageRecorder } from '../access/usage-recorder.js';
import type { DownloadsDeps } from '../downloads/downloads-routes.js';
import type { ClientAddress } from '../http/client-address.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { DistIndex } from '../archives/dist-index.js';
import type { RenderCache } from '../http/rendered.js';
import type { SourceSet } from '../sources/source-set.js';

/** What the Composer-facing routes need, handed over by the composition root. */
export interface ComposerDeps {
  readonly access: AccessControl;
  readonly usage: UsageRecorder;
  /** The repositories read: `default` and the registry's sources (an account reads its own, in order). */
  readonly sources: SourceSet;
  readonly dists: DistIndex;
  readonly renders: RenderCache;
  /** Archives: pinned, cached on disk, streamed (also gives the pinned shasums for rendering). */
  readonly archives: ArchiveCache;
  readonly publicUrl: string | undefined;
  readonly logger: Logger;
  /** The client's address (through REPOGATE_TRUSTED_PROXIES). */
  readonly clientAddress: ClientAddress;
  /** Undefined when ready, else what is not. */
  readonly notReady: () => Promise<string | undefined>;
  /** Request, refusal and latency metrics (optional, for tests that build the app alone). */
  readonly metrics?: Metrics;
  /** The release downloads pass-through (`/products/downloads/…`). */
  readonly downloads?: DownloadsDeps;
}
