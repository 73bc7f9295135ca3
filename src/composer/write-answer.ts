import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import { ReusedHead } from '../http/reused-head.js';
import type { Rendered } from '../http/rendered.js';
import { contentHeaders, gzipOf, validatorHeaders, writeError, writeRendered } from '../http/responses.js';
import type { Answer } from './answer.js';
import type { WarmHead, WarmRendering } from './hot-renderings.js';

/**
 * Transports an answer onto the response: nothing is decided here. Headers go out in one
 * `writeHead`, `X-Request-Id` first. Resolves (for a streamed archive) once the body is written or
 * the stream has failed (the response is then cut, and the failure logged).
 */
export function writeAnswer(req: IncomingMessage, res: ServerResponse, requestId: string, answer: Answer, logger: Logger): Promise<void> | undefined {
  switch (answer.kind) {
    case 'warm':
      writeWarm(req, res, requestId, answer.warm);
      return undefined;
    case 'rendered':
      writeRendered(req, res, ['X-Request-Id', requestId], answer.rendered, answer.staleConfirmedAt);
      return undefined;
    case 'error':
      writeError(res, ['X-Request-Id', requestId], answer.code, answer.message, answer.options);
      return undefined;
    case 'archive': {
      const headers = ['X-Request-Id', requestId];
      for (const [name, value] of Object.entries(answer.headers)) headers.push(name, String(value));
      res.writeHead(answer.status, headers);
      const { body } = answer;
      if (Buffer.isBuffer(body)) {
        res.end(req.method === 'HEAD' ? undefined : body);
        return undefined;
      }
      if (req.method === 'HEAD') {
        body.discard();
        res.end();
        return undefined;
      }
      return body.copyTo(res).then(
        () => void res.end(),
        (error: unknown) => {
          logger.warn({ path: req.url?.slice(0, 300), err: error instanceof Error ? error.message : String(error) }, 'archive stream ended early');
          res.destroy();
        },
      );
    }
  }
}

/**
 * A warm rendering sent: unless the request is conditional, with the head node:http wrote for the
 * first such answer (the headers `writeRendered` would send, in its order), or when that can't be
 * reused, with the rendering's header list made once.
 */
function writeWarm(req: IncomingMessage, res: ServerResponse, requestId: string, warm: WarmRendering): void {
  const { rendered } = warm;
  if (req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined) {
    writeRendered(req, res, ['X-Request-Id', requestId], rendered, undefined);
    return;
  }
  const gzip = gzipOf(req, rendered);
  const head = gzip ? (warm.gzip ??= okHead(rendered, gzip, true)) : (warm.plain ??= okHead(rendered, rendered.body, false));
  const body = req.method === 'HEAD' ? undefined : (gzip ?? rendered.body);
  if (head.head?.applyTo(req, res, requestId) !== true) {
    // writeHead reads the list at once and keeps nothing of it: the slot is this request's until then.
    head.headers[1] = requestId;
    res.writeHead(200, head.headers);
    if (head.head === undefined) head.head = ReusedHead.capture(req, res, requestId);
  }
  res.end(body);
}

/** A `200` with `body`: its headers, an empty `X-Request-Id` first. */
function okHead(rendered: Rendered, body: Buffer, gzip: boolean): WarmHead {
  return { headers: ['X-Request-Id', '', ...validatorHeaders(rendered), ...contentHeaders(body, gzip)], head: undefined };
}
