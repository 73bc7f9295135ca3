import { z } from 'zod';
import { RepogateError } from '../errors.js';
import type { Logger } from '../logger.js';
import { indexListsAll } from '../upstream/repository-index.js';
import type { Source } from './source.js';
import type { SourceSet } from './source-set.js';

/** Results one search answer carries at most (packagist pages by 15; Composer shows them all). */
const maxResults = 100;

const searchAnswer = z.object({ results: z.array(z.object({ name: z.string() }).loose()) }).loose();
const listAnswer = z.object({ packageNames: z.array(z.string()) }).loose();

export interface SearchResult {
  readonly name: string;
  readonly [field: string]: unknown;
}

/**
 * `composer search` across the account's sources, in their order: each source's own search where it
 * offers one (its `search` URL, on its own origin), else the names it lists that contain the query.
 * A name comes once, from the first source that returns it; `visible` keeps what the key may see.
 */
export async function searchSources(
  sources: SourceSet,
  names: readonly string[],
  query: string,
  type: string | undefined,
  visible: (name: string) => boolean,
  logger: Logger,
): Promise<SearchResult[]> {
  const results: SearchResult[] = [];
  const seen = new Set<string>();
  const words = query.toLowerCase().split(/\s+/).filter((w) => w !== '');
  for (const name of names) {
    const source = await sources.ensure(name);
    const { index } = await source.repository.index();
    let found: SearchResult[];
    if (index.searchUrl !== null) {
      const template = index.searchUrl.replace('%query%', encodeURIComponent(query)).replace('%type%', encodeURIComponent(type ?? ''));
      const answer = await getJson(source, template, 'search', logger);
      const parsed = searchAnswer.safeParse(answer);
      if (!parsed.success) throw new RepogateError('UPSTREAM_INVALID', `the source ${source.name} answered a search that is not {"results": […]}`);
      found = parsed.data.results.map((r) => ({ ...r, name: r.name.toLowerCase() }));
    } else {
      found = (index.names ?? []).filter((n) => words.every((w) => n.includes(w))).map((n) => ({ name: n, description: '' }));
    }
    for (const result of found) {
      if (seen.has(result.name) || !visible(result.name)) continue;
      seen.add(result.name);
      results.push(result);
      if (results.length >= maxResults) return results;
    }
  }
  return results;
}

/**
 * The package names of the account's sources matching Composer's `filter` (a glob with `*`): from
 * the names a source lists when they are all it has, else from its own `list` URL (else its list); those the key may see, each once, sorted.
 */
export async function listSources(
  sources: SourceSet,
  names: readonly string[],
  filter: string | undefined,
  visible: (name: string) => boolean,
  logger: Logger,
): Promise<string[]> {
  const matcher = filter === undefined || filter === '' ? undefined : globMatcher(filter);
  const all = new Set<string>();
  for (const name of names) {
    const source = await sources.ensure(name);
    const { index } = await source.repository.index();
    let listed: readonly string[];
    if (index.names !== null && (indexListsAll(index) || index.listUrl === null)) listed = index.names;
    else if (index.listUrl !== null) {
      const url = filter === undefined || filter === '' ? index.listUrl : `${index.listUrl}${index.listUrl.includes('?') ? '&' : '?'}filter=${encodeURIComponent(filter)}`;
      const parsed = listAnswer.safeParse(await getJson(source, url, 'list', logger));
      if (!parsed.success) throw new RepogateError('UPSTREAM_INVALID', `the source ${source.name} answered a package list that is not {"packageNames": […]}`);
      listed = parsed.data.packageNames.map((n) => n.toLowerCase());
    } else listed = [];
    for (const n of listed) if ((matcher === undefined || matcher(n)) && visible(n)) all.add(n);
  }
  return [...all].sort();
}

/** A JSON document from a URL the source's root names, held to the source's own origin. */
async function getJson(source: Source, reference: string, field: string, logger: Logger): Promise<unknown> {
  const url = source.client.metadataUrl(reference, field);
  const document = await source.client.fetchDocument(url);
  if (document.status !== 200) {
    logger.warn({ source: source.name, status: document.status, field }, `the source ${source.name} answered HTTP ${document.status} for its ${field}`);
    throw new RepogateError('UPSTREAM_UNAVAILABLE', `the source ${source.name} answered HTTP ${document.status} for its ${field}`);
  }
  try {
    return JSON.parse(document.body.toString('utf8')) as unknown;
  } catch {
    throw new RepogateError('UPSTREAM_INVALID', `the source ${source.name} answered its ${field} with something other than JSON`);
  }
}

/** Composer's list filter: `*` matches any run of characters, the rest literally, case-insensitively. */
function globMatcher(filter: string): (name: string) => boolean {
  const pattern = new RegExp(`^${filter.toLowerCase().split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return (name) => pattern.test(name);
}
