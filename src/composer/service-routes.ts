import express, { type Request, type Response, type Router } from 'express';
import { isValidPackageName } from '../registry/rules.js';
import { sendError } from '../http/responses.js';
import { factsOf } from '../http/request-context.js';
import type { ComposerDeps } from './composer-deps.js';
import { denialOptions } from './denials.js';

/** `POST /notify-batch` (download notifications), `GET /healthz`, `GET /readyz`. */
export function registerServiceRoutes(router: Router, deps: ComposerDeps): void {
  router.get('/healthz', (_req: Request, res: Response) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req: Request, res: Response) => {
    const problem = await deps.notReady();
    if (problem === undefined) res.json({ status: 'ready' });
    else res.status(503).json({ status: 'not ready', warning: problem });
  });

  router.post('/notify-batch', express.json({ limit: '1mb', type: () => true }), async (req: Request, res: Response) => {
    const address = req.socket.remoteAddress ?? 'unknown';
    const auth = await deps.access.authenticate(req.headers.authorization, address);
    if (!auth.ok) return sendError(res, auth.code, auth.reason, denialOptions(auth, 'other'));
    factsOf(res).key = auth.principal;
    const body: unknown = req.body;
    const downloads = parseDownloads(body);
    if (downloads === undefined) {
      return sendError(res, 'BAD_REQUEST', 'expected {"downloads": [{"name": "vendor/package", "version": "1.0.0.0"}, …]}');
    }
    deps.usage.record(auth.principal.publicKey, address);
    deps.usage.downloads(auth.principal.publicKey, auth.principal.accountId, downloads.map((d) => d.name));
    deps.logger.debug({ publicKey: auth.principal.publicKey, key: auth.principal.keyName, count: downloads.length }, 'download notification');
    const { index } = await deps.repository.index().catch(() => ({ index: undefined }));
    if (index?.notifyBatch) {
      const target = deps.repository.upstream.resolve(index.notifyBatch);
      if (deps.repository.upstream.isUpstreamUrl(target)) {
        void deps.repository.upstream.postJson(target, { downloads }, 5000);
      }
    }
    res.json({ status: 'success' });
  });
}

interface Download {
  readonly name: string;
  readonly version: string;
}

function parseDownloads(body: unknown): Download[] | undefined {
  if (typeof body !== 'object' || body === null || !('downloads' in body) || !Array.isArray(body.downloads)) return undefined;
  const result: Download[] = [];
  for (const item of body.downloads as unknown[]) {
    if (typeof item !== 'object' || item === null) return undefined;
    const { name, version } = item as { name?: unknown; version?: unknown };
    if (typeof name !== 'string' || typeof version !== 'string' || !isValidPackageName(name.toLowerCase()) || version.length > 100) {
      return undefined;
    }
    result.push({ name: name.toLowerCase(), version });
  }
  return result.length > 1000 ? undefined : result;
}
