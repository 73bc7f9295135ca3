import { z } from 'zod';
import { RepogateError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Source } from './source.js';
import type { SourceSet } from './source-set.js';

/** Names sent to a source's advisories API in one request. */
const namesPerRequest = 500;
/** Names resolved to their source at once. */
const concurrency = 16;

const advisoriesAnswer = z.object({ advisories: z.union([z.record(z.string(), z.array(z.record(z.string(), z.unknown()))), z.array(z.never())]) });

/**
 * The security advisories of `names` (packages the key may see) as the sources they are read from
 * publish them: each name goes only to the source that serves it to this account (the first of
 * `sourceNames` that has it), and a source's answer is kept only for the names it was asked about.
 * A source without an advisories API contributes nothing; one that fails fails the whole answer
 * (an audit that silently lost a source would report a project clean).
 */
export async function advisoriesFor(
  sources: SourceSet,
  sourceNames: readonly string[],
  names: readonly string[],
  logger: Logger,
  requestId?: string,
): Promise<Record<string, unknown[]>> {
  const bySource = new Map<Source, string[]>();
  for (let i = 0; i < names.length; i += concurrency) {
    const batch = names.slice(i, i + concurrency);
    const resolved = await Promise.all(batch.map((name) => sources.resolve(sourceNames, name, false, requestId)));
    resolved.forEach((found, j) => {
      if (found === undefined) return;
      const list = bySource.get(found.source) ?? [];
      list.push(batch[j]!);
      bySource.set(found.source, list);
    });
  }
  const result: Record<string, unknown[]> = {};
  for (const [source, asked] of bySource) {
    const { index } = await source.repository.index(requestId);
    if (index.advisoriesUrl === null) continue;
    const url = source.client.advisoriesUrl(index.advisoriesUrl);
    if (url === undefined) {
      logger.warn({ source: source.name, apiUrl: index.advisoriesUrl.slice(0, 200) }, `the source ${source.name} names an advisories API on another host; not asked`);
      continue;
    }
    const wanted = new Set(asked);
    for (let i = 0; i < asked.length; i += namesPerRequest) {
      const chunk = asked.slice(i, i + namesPerRequest);
      const form = chunk.map((name, n) => `packages%5B${n}%5D=${encodeURIComponent(name)}`).join('&');
      const response = await source.client.postForm(url, form);
      if (response.status !== 200) {
        throw new RepogateError('UPSTREAM_UNAVAILABLE', `the source ${source.name} answered HTTP ${response.status} for security advisories`);
      }
      let parsed;
      try {
        parsed = advisoriesAnswer.safeParse(JSON.parse(response.body.toString('utf8')));
      } catch {
        parsed = undefined;
      }
      if (!parsed?.success) throw new RepogateError('UPSTREAM_INVALID', `the source ${source.name} answered security advisories that are not {"advisories": {…}}`);
      const advisories = Array.isArray(parsed.data.advisories) ? {} : parsed.data.advisories;
      for (const [name, list] of Object.entries(advisories)) {
        const key = name.toLowerCase();
        if (wanted.has(key)) result[key] = [...(result[key] ?? []), ...list];
      }
    }
  }
  return result;
}
