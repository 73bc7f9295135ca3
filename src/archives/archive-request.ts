import type { UpstreamStream } from '../upstream/upstream-client.js';
import type { ArchiveBody } from './archive-body.js';

/** How an archive request was answered, for the access log. */
export type ArchiveOutcome = 'hit' | 'miss' | 'join' | 'verified';

/** An archive ready to send: status 200, these headers, this body (copy it or discard it). */
export interface ArchiveResponse {
  readonly outcome: ArchiveOutcome;
  readonly headers: Readonly<Record<string, string | number>>;
  readonly body: ArchiveBody;
  /** Time to the upstream's response headers, when the upstream was asked. */
  readonly upstreamMs?: number;
}

export interface ArchiveRequest {
  /** The dist path as repogate serves it (with its query, if any). */
  readonly path: string;
  readonly packageName: string;
  readonly requestId?: string | undefined;
  /**
   * The public base the client came through, when it is a Composer client: a project template is
   * then served naming that base as its repository (see project-templates.ts); '' when the request
   * had no usable Host. Absent (the CLI's `cache warm`): the upstream's bytes.
   */
  readonly base?: string | undefined;
}

/** Where the bytes of a path come from upstream and what the metadata says they should be. */
export interface ArchiveUpstream {
  /**
   * The upstream's answer for a dist path repogate serves (of `packageName`): the caller consumes or
   * destroys its body. NOT_FOUND when no upstream URL is known for the path.
   */
  open(path: string, packageName: string, requestId?: string): Promise<UpstreamStream>;
  /** The public URL of a URL on the upstream below `base` (a template's `repositories`), or undefined. */
  toPublic(url: string, base: string): string | undefined;
  /** The `shasum` the upstream's metadata gives for a dist path, when it gives one (may fetch metadata). */
  shasumOf(path: string, packageName: string): Promise<string | undefined>;
  /** The package `type` of the version whose dist is `path`, when the metadata says (may fetch metadata). */
  typeOf(path: string, packageName: string): Promise<string | undefined>;
}
