import type { Readable } from 'node:stream';

/** How an upstream client is set up (src/upstream/upstream-client.ts). */
export interface UpstreamOptions {
  /** Base URL of the upstream repository, without trailing slash (it may have a path). */
  readonly url: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** Deadline for one whole request (headers and body of a metadata document; headers of an archive). */
  readonly timeoutMs: number;
  readonly maxDocumentBytes?: number;
  /** Consecutive failures (network errors, timeouts, 5xx) that open the circuit, and for how long. */
  readonly breaker?: { readonly failureThreshold: number; readonly openMs: number };
  /**
   * Other hosts (`host:port`, lowercase) the upstream's documents may send repogate to for metadata
   * (REPOGATE_UPSTREAM_METADATA_HOSTS); the upstream's own origin is always allowed.
   */
  readonly metadataHosts?: readonly string[];
  /** The User-Agent of every request (REPOGATE_UPSTREAM_USER_AGENT or the Composer-like default). */
  readonly userAgent?: string;
  /**
   * How a `401`/`403` for one path other than the root document (`packages.json`) is read: by default
   * (true) as the upstream refusing that one file (UPSTREAM_NOT_ENTITLED, a 404 to clients) unless
   * 401s keep coming; false (the release downloads upstream, which has no root document) as the
   * upstream refusing the credentials, always.
   */
  readonly perPathRefusals?: boolean;
  /** The source this client reads (`default`: the environment's upstream); names it in metrics and logs. */
  readonly source?: string;
  /**
   * A GitHub token (as Composer's `github-oauth`), sent only to api.github.com over https when an
   * archive is fetched from there, never on a redirect elsewhere.
   */
  readonly githubToken?: string;
}

/** A streamed upstream answer (an archive): the caller consumes or destroys `body`. */
export interface UpstreamStream {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Readable;
}
