import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { packageDenial } from '../access/access-rules.js';
import { sendError } from '../http/responses.js';
import { isValidPackageName } from '../registry/rules.js';
import type { Source } from '../sources/source.js';
import { allowedAccount } from './account-request.js';
import type { ComposerDeps } from './composer-deps.js';

/**
 * Entries one notification may carry: Composer sends one per package installed from this
 * repository (a Magento 2.4 install reports about 500).
 */
export const maxNotifiedDownloads = 2000;

const notification = z.object({
  downloads: z.array(
    z.object({
      name: z.string().max(200).transform((name) => name.toLowerCase()).refine(isValidPackageName, 'not a Composer package name'),
      version: z.string().max(100),
    }),
  ),
});

/**
 * `POST /notify-batch`: Composer's download notifications (`{"downloads": [{"name", "version"}, …]}`),
 * counted per key and forwarded upstream best-effort. Only packages the key may see are counted and
 * forwarded: a key speaks for its own installs, never in the organisation's name for others.
 */
export function registerNotifyBatch(router: Router, deps: ComposerDeps): void {
  router.post('/notify-batch', express.json({ limit: '1mb', type: () => true }), async (req: Request, res: Response) => {
    const allowed = await allowedAccount(deps, req, res);
    if (allowed === undefined) return;
    const { principal, access, address } = allowed;
    const parsed = notification.safeParse(req.body);
    if (!parsed.success) {
      return sendError(res, 'BAD_REQUEST', 'expected {"downloads": [{"name": "vendor/package", "version": "1.0.0.0"}, …]}');
    }
    const all = parsed.data.downloads;
    if (all.length > maxNotifiedDownloads) {
      return sendError(res, 'PAYLOAD_TOO_LARGE', `at most ${maxNotifiedDownloads} download notifications in one request; this one has ${all.length}`);
    }
    const downloads = all.filter((d) => packageDenial(principal, access, d.name) === undefined);
    deps.usage.record(principal.publicKey, address);
    deps.usage.downloads(principal.publicKey, principal.accountId, downloads.map((d) => d.name));
    deps.logger.debug({ publicKey: principal.publicKey, key: principal.keyName, count: downloads.length, refused: all.length - downloads.length }, 'download notification');
    if (downloads.length > 0) void forward(deps, principal.sources, downloads);
    res.json({ status: 'success' });
  });
}

/**
 * Passes each download on to the notify-batch URL of the source it came from (the first of the
 * key's sources that has the package, as this process's memory has them; else the first of them),
 * when that URL is on the source's own host.
 */
async function forward(deps: ComposerDeps, sources: readonly string[], downloads: ReadonlyArray<{ name: string; version: string }>): Promise<void> {
  const bySource = new Map<Source, Array<{ name: string; version: string }>>();
  for (const download of downloads) {
    const found = deps.sources.peekResolve(sources, download.name, false);
    if (found === 'absent') continue;
    // Not in memory now: the key's first source, as before there were several.
    const source = found === undefined ? deps.sources.get(sources[0] ?? 'default') : found.source;
    if (source === undefined) continue;
    const list = bySource.get(source) ?? [];
    list.push(download);
    bySource.set(source, list);
  }
  for (const [source, list] of bySource) {
    const { index } = await source.repository.index().catch(() => ({ index: undefined }));
    if (!index?.notifyBatch) continue;
    const target = source.client.resolve(index.notifyBatch);
    if (source.client.isUpstreamUrl(target)) void source.client.postJson(target, { downloads: list }, 5000);
  }
}
