import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * What node:http keeps on a response besides its public fields: `_header` is the serialised head
 * (status line, headers, the blank line) that `writeHead` stores and the first write sends ahead of
 * the body — the same in Node 20, 22 and 24.
 */
interface SerialisedHead {
  _header: string | null | undefined;
  maxRequestsOnConnectionReached?: boolean;
}

function serialisedHead(res: ServerResponse): SerialisedHead {
  return res as unknown as SerialisedHead;
}

/**
 * The head node:http wrote for one response, to be sent again for later responses that get the
 * same head but for two values: the request id (`X-Request-Id`) and the `Date`. `writeHead`
 * validates and serialises every header anew on each call, which cost a warm metadata request
 * about 12,000 instructions (bench/README.md); a reused head costs one string concatenation.
 *
 * The head is node's own output (captured from the first response, not written by hand here), so
 * the bytes are exactly those `writeHead` would write. It is reused only for responses in the state
 * it was captured in: a persistent connection (`Connection: keep-alive` and node's `Keep-Alive`
 * line), a date to send, no `Expect` from the client. Anything else, or a node:http that keeps its
 * head differently, takes `writeHead`. The server's keep-alive settings, which that line shows, are
 * set once when it starts (server.ts).
 */
export class ReusedHead {
  readonly #start: string;
  readonly #middle: string;
  readonly #end: string;

  private constructor(start: string, middle: string, end: string) {
    this.#start = start;
    this.#middle = middle;
    this.#end = end;
  }

  /**
   * The head of `res`, just written by `writeHead` with `requestId` as the value of its
   * `X-Request-Id` header; undefined when this response is not in a state to reuse the head in (a
   * later one may be), null when node:http's head is not as expected (none will be).
   */
  static capture(req: IncomingMessage, res: ServerResponse, requestId: string): ReusedHead | null | undefined {
    if (!reusable(req, res)) return undefined;
    const text = serialisedHead(res)._header;
    if (typeof text !== 'string') return null;
    const idName = '\r\nX-Request-Id: ';
    const idAt = text.indexOf(`${idName}${requestId}\r\n`);
    if (idAt < 0) return null;
    const idStart = idAt + idName.length;
    const idEnd = idStart + requestId.length;
    const dateName = '\r\nDate: ';
    const dateAt = text.indexOf(dateName, idEnd);
    const dateEnd = dateAt < 0 ? -1 : text.indexOf('\r\n', dateAt + dateName.length);
    if (dateEnd < 0 || !text.endsWith('\r\n\r\n') || !text.includes('\r\nConnection: keep-alive\r\n')) return null;
    return new ReusedHead(text.slice(0, idStart), text.slice(idEnd, dateAt + dateName.length), text.slice(dateEnd));
  }

  /**
   * Gives `res` this head with `requestId` and the current date, as `writeHead` would have; false
   * (and nothing done) when the response is not in the state the head was captured in.
   */
  applyTo(req: IncomingMessage, res: ServerResponse, requestId: string): boolean {
    if (!reusable(req, res)) return false;
    res.statusMessage = 'OK';
    serialisedHead(res)._header = `${this.#start}${requestId}${this.#middle}${httpDate()}${this.#end}`;
    return true;
  }
}

/** A response whose head node:http writes the same way each time: kept alive, dated, no `Expect`. */
function reusable(req: IncomingMessage, res: ServerResponse): boolean {
  return res.shouldKeepAlive && res.sendDate && req.headers.expect === undefined && serialisedHead(res).maxRequestsOnConnectionReached !== true;
}

let dateSecond = -1;
let dateText = '';

/** The `Date` header's value (RFC 9110 IMF-fixdate, as node writes it), made once a second. */
function httpDate(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}
