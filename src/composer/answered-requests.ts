import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../access/principal.js';
import { accessLogFields, type RequestFacts, type RouteCounter } from '../http/request-context.js';
import type { AccessLogLines } from './access-log-lines.js';
import type { Ticket } from './tickets.js';

/**
 * Writes down the lanes' answered requests (access-log line, request metrics) as soon as their
 * response has been handed to the socket — which, for metadata, is usually before `res.end()`
 * returns: no listener, no deferred work. A response still being sent (a slow client, an archive
 * stream) is written down when it closes, with the time to its last byte, and marked aborted when
 * it did not finish.
 */
export class AnsweredRequests {
  readonly #lines: AccessLogLines;

  constructor(lines: AccessLogLines) {
    this.#lines = lines;
  }

  /** Call once the response has been written (or handed to a stream). */
  add(req: IncomingMessage, res: ServerResponse, counter: RouteCounter | undefined, path: string, requestId: string, started: number, facts: RequestFacts, error: string | undefined): void {
    if (res.writableFinished || res.closed) this.#write(req, res, counter, path, requestId, performance.now() - started, facts, error);
    else res.once('close', () => this.#write(req, res, counter, path, requestId, performance.now() - started, facts, error));
  }

  /**
   * A warm answer: the line's parts kept on the ticket. A response not yet finished, or a logger
   * that can't be written to directly, takes the general way.
   */
  warm(req: IncomingMessage, res: ServerResponse, counter: RouteCounter | undefined, path: string, requestId: string, started: number, principal: Principal, packageName: string, ticket: Ticket): void {
    if (!res.writableFinished) {
      this.add(req, res, counter, path, requestId, started, warmFacts(principal, packageName, ticket), undefined);
      return;
    }
    const ms = performance.now() - started;
    const status = res.statusCode;
    counter?.count(status, ms, undefined);
    const lines = this.#lines;
    if (!lines.direct) {
      if (lines.enabled) lines.write(accessLogFields(requestId, req, res, path, ms, warmFacts(principal, packageName, ticket), undefined));
      return;
    }
    let tail = ticket.tail;
    if (tail === undefined) {
      const line = accessLogFields(requestId, req, res, path, ms, warmFacts(principal, packageName, ticket), undefined);
      tail = lines.tailOf(line);
      if (line.address === ticket.address) ticket.tail = tail;
    }
    let middle: Buffer;
    if (req.method !== 'GET' || (status !== 200 && status !== 304)) middle = lines.middleOf(req.method, path, status);
    else if (status === 200) middle = ticket.middle200 ??= lines.middleOf('GET', path, 200);
    else middle = ticket.middle304 ??= lines.middleOf('GET', path, 304);
    lines.writeParts(requestId, middle, ms, tail);
  }

  /** Writes the access-log lines still queued (on shutdown, once the listener has closed). */
  flush(): void {
    this.#lines.flush();
  }

  #write(req: IncomingMessage, res: ServerResponse, counter: RouteCounter | undefined, path: string, requestId: string, ms: number, facts: RequestFacts, error: string | undefined): void {
    counter?.count(res.statusCode, ms, error);
    if (!this.#lines.enabled) return;
    this.#lines.write(accessLogFields(requestId, req, res, path, ms, facts, error));
  }
}

/** What the access log says about a warm answer. */
function warmFacts(principal: Principal, packageName: string, ticket: Ticket): RequestFacts {
  return { key: principal, package: packageName, source: ticket.source, cache: 'hit', upstreamMs: 0, address: ticket.address };
}
