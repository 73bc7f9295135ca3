import { isRepogateError } from '../errors.js';
import type { RequestFacts } from '../http/request-context.js';
import { errorAnswer, type Answer, type ComposerRequest } from './answer.js';
import type { ComposerDeps } from './composer-deps.js';
import { denialOptions } from './denials.js';
import { renderRoot } from './render-metadata.js';

/**
 * The one decision for `GET`/`HEAD /packages.json`: the upstream's root document in the Composer 2
 * layout, its `available-packages` (or patterns) filtered to what the key may see, its URLs on
 * repogate. A refusal is 401/403; the key's use is recorded once its account may see anything.
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
  let result;
  try {
    result = await deps.repository.index(request.requestId);
  } catch (error) {
    if (isRepogateError(error)) return errorAnswer(error.code, error.message, facts);
    throw error;
  }
  const { index, outcome, upstreamMs, confirmedAt } = result;
  facts.cache = outcome;
  facts.upstreamMs = upstreamMs;
  const rendered = deps.renders.get(`root|${index.revision}|${access.fingerprint}|${base}`, () => renderRoot(index, access, base));
  return { kind: 'rendered', rendered, staleConfirmedAt: outcome === 'stale' ? confirmedAt : undefined, facts };
}
