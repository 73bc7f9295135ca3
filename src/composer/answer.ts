import type { IncomingMessage } from 'node:http';
import type { Principal } from '../access/principal.js';
import type { ArchiveBody } from '../archives/archive-body.js';
import type { ErrorCode } from '../errors.js';
import type { RequestFacts } from '../http/request-context.js';
import type { Rendered } from '../http/rendered.js';
import type { ErrorOptions } from '../http/responses.js';
import type { WarmRendering } from './hot-renderings.js';
import type { Ticket } from './tickets.js';

/** What a Composer route is asked: the request, its parsed path and public base, who asks from where. */
export interface ComposerRequest {
  readonly req: IncomingMessage;
  /** The decoded, normalised path (no query). */
  readonly path: string;
  /** The base URL written into rewritten URLs; undefined when the Host header is unusable. */
  readonly base: string | undefined;
  readonly address: string;
  readonly requestId: string;
}

/**
 * What a Composer route decided: everything the response carries (status, headers, body or stream)
 * and what the access log says about it. The key's use and audit event are recorded by the decision
 * itself (once, whichever way the answer is then written); `writeAnswer` only transports it.
 */
export type Answer = WarmAnswer | RenderedAnswer | ErrorAnswer | ArchiveAnswer;

/** A fresh rendering a key was allowed before, answered without a promise (the warm `/p2/` lane). */
export interface WarmAnswer {
  readonly kind: 'warm';
  readonly warm: WarmRendering;
  readonly principal: Principal;
  readonly package: string;
  readonly ticket: Ticket;
}

/** Metadata: 200 with the rendering, or 304. */
export interface RenderedAnswer {
  readonly kind: 'rendered';
  readonly rendered: Rendered;
  /** Set when the upstream failed and the cached content was served past its freshness. */
  readonly staleConfirmedAt: number | undefined;
  readonly facts: RequestFacts;
}

/** A refusal or failure: `{"warning", "code"}` with the code's status. */
export interface ErrorAnswer {
  readonly kind: 'error';
  readonly code: ErrorCode;
  readonly message: string;
  readonly options: ErrorOptions;
  readonly facts: RequestFacts;
}

/** An archive: 200 (or 206 for a range of it) with its headers, and its bytes or a body to stream. */
export interface ArchiveAnswer {
  readonly kind: 'archive';
  readonly status: 200 | 206;
  readonly headers: Readonly<Record<string, string | number>>;
  readonly body: Buffer | ArchiveBody;
  readonly facts: RequestFacts;
}

export function errorAnswer(code: ErrorCode, message: string, facts: RequestFacts, options: ErrorOptions = {}): ErrorAnswer {
  return { kind: 'error', code, message, options, facts };
}
