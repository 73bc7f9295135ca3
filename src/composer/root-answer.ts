import { isRepogateError } from '../errors.js';
import type { RequestFacts } from '../http/request-context.js';
import type { IndexResult } from '../upstream/upstream-repository.js';
import { indexListsAll, type RepositoryIndex } from '../upstream/repository-index.js';
import type { RootMessages } from '../upstream/root-messages.js';
import { errorAnswer, type Answer, type ComposerRequest } from './answer.js';
import type { ComposerDeps } from './composer-deps.js';
import { denialOptions } from './denials.js';
import { renderRoot } from './render-metadata.js';

/**
 * The one decision for `GET`/`HEAD /packages.json`: the root document of the key's sources in the
 * Composer 2 layout, their `available-packages` (or patterns) filtered to what the key may see,
 * URLs on repogate. A refusal is 401/403; the key's use is recorded once its account may see
 * anything. A source that can't be read (down, nothing cached) fails it: a root without that
 * source's packages would send Composer looking for them elsewhere.
 */
export async function answerRoot(deps: ComposerDeps, request: ComposerRequest): Promise<Answer> {
  const { base, address } = request;
  const facts: RequestFacts = {};
  if (base === undefined) return errorAnswer('BAD_REQUEST', 'missing or invalid Host header', facts);
  const auth = await deps.access.authenticate(request.req.headers.authorization, address);
  if (!auth.ok) return errorAnswer(auth.code, auth.reason, facts, denialOptions(auth, 'metadata'));
  facts.key = auth.principal;
  const access = deps.access.accountAccess(auth.principal);
  if (!access.ok) return errorAnswer(access.code, access.reason, facts, denialOptions(access, 'metadata'));
  deps.usage.record(auth.principal.publicKey, address);
  let results: IndexResult[];
  try {
    results = await Promise.all(auth.principal.sources.map(async (name) => (await deps.sources.ensure(name)).repository.index(request.requestId)));
  } catch (error) {
    if (isRepogateError(error)) return errorAnswer(error.code, error.message, facts);
    throw error;
  }
  const index = results.length === 1 ? results[0]!.index : mergeIndexes(results.map((r) => r.index));
  const stale = results.find((r) => r.outcome === 'stale');
  facts.cache = stale?.outcome ?? results.find((r) => r.outcome !== 'hit')?.outcome ?? 'hit';
  facts.upstreamMs = results.reduce((sum, r) => sum + r.upstreamMs, 0);
  if (auth.principal.sourcesKey !== 'default') facts.source = auth.principal.sourcesKey;
  const rendered = deps.renders.get(`root|${index.revision}|${access.fingerprint}|${base}`, () => renderRoot(index, access, base));
  return { kind: 'rendered', rendered, staleConfirmedAt: stale?.confirmedAt, facts };
}

/**
 * The index of several sources as one root shows it: their package lists together when every one
 * lists all its packages (else none: the key's own rules become the patterns), their messages, the
 * latest change, and security advisories when any of them offers them.
 */
function mergeIndexes(indexes: readonly RepositoryIndex[]): RepositoryIndex {
  const first = indexes[0]!;
  const listed = indexes.every(indexListsAll);
  const names = listed ? [...new Set(indexes.flatMap((index) => index.names ?? []))].sort() : null;
  return {
    ...first,
    revision: indexes.map((index) => index.revision).join('&'),
    names,
    nameSet: names === null ? null : new Set(names),
    patterns: null,
    messages: mergeMessages(indexes.map((index) => index.messages)),
    rootLastModifiedMs: Math.max(...indexes.map((index) => index.rootLastModifiedMs)),
    advisoriesUrl: indexes.find((index) => index.advisoriesUrl !== null)?.advisoriesUrl ?? null,
    searchUrl: indexes.find((index) => index.searchUrl !== null)?.searchUrl ?? null,
    listUrl: indexes.find((index) => index.listUrl !== null)?.listUrl ?? null,
  };
}

/** Every source's messages: the arrays joined, the single ones of the first source that has one. */
function mergeMessages(all: readonly RootMessages[]): RootMessages {
  const merged: { -readonly [K in keyof RootMessages]: RootMessages[K] } = {};
  for (const messages of all) {
    if (merged.warning === undefined && messages.warning !== undefined) Object.assign(merged, { warning: messages.warning, 'warning-versions': messages['warning-versions'] });
    if (merged.info === undefined && messages.info !== undefined) Object.assign(merged, { info: messages.info, 'info-versions': messages['info-versions'] });
    if (messages.warnings) merged.warnings = [...(merged.warnings ?? []), ...messages.warnings];
    if (messages.infos) merged.infos = [...(merged.infos ?? []), ...messages.infos];
  }
  for (const key of ['warning-versions', 'info-versions'] as const) if (merged[key] === undefined) delete merged[key];
  return merged;
}
