import { isRepogateError } from '../errors.js';
import { notEntitledCause } from '../upstream/upstream-client.js';
import type { RequestFacts } from '../http/request-context.js';
import type { CounterSeries } from '../metrics/bound-metrics.js';
import { errorAnswer, type Answer, type ComposerRequest } from './answer.js';
import type { ComposerDeps } from './composer-deps.js';
import { denialOptions } from './denials.js';
import { HotRenderings, type HotRendering, type WarmRendering } from './hot-renderings.js';
import { packageRenderKey, renderPackage } from './render-metadata.js';
import { Tickets } from './tickets.js';

/** A `/p2/` request's package: `vendor/name` and whether `~dev.json` was asked for. */
export interface PackageTarget {
  readonly name: string;
  readonly dev: boolean;
}

/**
 * The one decision for `GET`/`HEAD /p2/<vendor>/<name>.json` (and `~dev.json`): the package's
 * metadata, filtered and rewritten for the key, or why not.
 *
 * - Warm (a request this key was allowed before, a rendering fresh in this process's memory):
 *   answered at once, without a promise — the credential check against the in-memory cache, the
 *   memoised rendering, the use counted on its ticket.
 * - Otherwise the credentials are checked (a refusal: 401/403, a package the key may not see: 404),
 *   the key's use recorded (whatever the upstream then says), the metadata found through the caches
 *   and rendered; `metadata.fetched` is audited for a 200 or 304 only.
 */
export class PackageAnswers {
  readonly #deps: ComposerDeps;
  readonly #hot: HotRenderings;
  readonly #tickets: Tickets;
  /** `repogate_cache_lookups_total{tier="memory",outcome="hit"}` */
  readonly #memoryHits: CounterSeries | undefined;

  constructor(deps: ComposerDeps, metadataTtlMs: number) {
    this.#deps = deps;
    this.#hot = new HotRenderings(metadataTtlMs);
    this.#tickets = new Tickets(deps.usage, 'metadata.fetched');
    this.#memoryHits = deps.metrics?.cacheLookups.child({ tier: 'memory', outcome: 'hit' });
  }

  answer(request: ComposerRequest, target: PackageTarget): Answer | Promise<Answer> {
    const { base, path, address } = request;
    if (base !== undefined) {
      const deps = this.#deps;
      const principal = deps.access.allowedPrincipal(request.req.headers.authorization, address, target.name);
      const pinRevision = principal && deps.archives.pinRevision(target.name);
      const found = pinRevision !== undefined && (this.#hot.get(base, path, pinRevision) ?? this.#fromMemory(base, path, target, pinRevision));
      if (principal && found) {
        this.#memoryHits?.inc();
        const ticket = this.#tickets.of(principal, path, address, subjectOf(target));
        deps.usage.use(ticket.use);
        return { kind: 'warm', warm: found, principal, package: target.name, ticket };
      }
    }
    return this.#general(request, target);
  }

  /**
   * The rendering `#general` would find, when the last one has lapsed (it is kept for a second) but
   * everything it is made from is fresh in this process's memory: found and rendered (or taken from
   * the render memo) without a promise. A CI install asks for each package once, seconds after the
   * last install did.
   */
  #fromMemory(base: string, path: string, target: PackageTarget, pinRevision: number): WarmRendering | undefined {
    const deps = this.#deps;
    const source = deps.repository.peekPackage(target.name, target.dev);
    if (source === undefined) return undefined;
    const rendered = deps.renders.get(packageRenderKey(source, base, deps.archives), () => renderPackage(source, base, deps.rewriter, deps.dists, deps.archives));
    return this.#hot.set(base, path, { rendered, outcome: source.outcome, upstreamMs: 0, staleConfirmedAt: undefined }, source, pinRevision);
  }

  async #general(request: ComposerRequest, target: PackageTarget): Promise<Answer> {
    const deps = this.#deps;
    const { base, path, address } = request;
    const { name, dev } = target;
    const facts: RequestFacts = { package: name };
    if (base === undefined) return errorAnswer('BAD_REQUEST', 'missing or invalid Host header', facts);
    const decision = await deps.access.checkAccess({ authorization: request.req.headers.authorization, address, packageName: name });
    if (!decision.ok) return errorAnswer(decision.code, decision.reason, facts, denialOptions(decision, 'metadata'));
    const principal = decision.principal;
    facts.key = principal;
    // The key was allowed: that is a use, whatever the upstream says next.
    deps.usage.record(principal.publicKey, address);
    let found: HotRendering | undefined = this.#hot.get(base, path, deps.archives.pinRevision(name));
    if (found) {
      this.#memoryHits?.inc();
    } else {
      let source;
      try {
        source = await deps.repository.package(name, dev, request.requestId);
      } catch (error) {
        if (isRepogateError(error)) return errorAnswer(error.code, error.message, facts);
        throw error;
      }
      if (!source) return errorAnswer('NOT_FOUND', `package ${name} not found in the upstream repository: ${notEntitledCause}`, facts);
      const rendered = deps.renders.get(packageRenderKey(source, base, deps.archives), () => renderPackage(source, base, deps.rewriter, deps.dists, deps.archives));
      found = { rendered, outcome: source.outcome, upstreamMs: source.upstreamMs, staleConfirmedAt: source.outcome === 'stale' ? source.confirmedAt : undefined };
      this.#hot.set(base, path, found, source, deps.archives.pinRevision(name));
    }
    facts.cache = found.outcome;
    facts.upstreamMs = found.upstreamMs;
    deps.usage.use(this.#tickets.of(principal, path, address, subjectOf(target)).use);
    return { kind: 'rendered', rendered: found.rendered, staleConfirmedAt: found.staleConfirmedAt, facts };
  }
}

/** What the audit trail names: the package, `~dev` for its dev versions. */
function subjectOf(target: PackageTarget): string {
  return target.dev ? `${target.name}~dev` : target.name;
}
