import { LRUCache } from 'lru-cache';
import { isRepogateError } from '../errors.js';
import type { Source } from '../sources/source.js';
import type { PackageSource } from '../upstream/upstream-repository.js';
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
  readonly #metadataTtlMs: number;
  /**
   * Renderings by the sources they were read through (`Principal.sourcesKey`): accounts reading
   * different sources see different packages under one URL, so never each other's renderings.
   */
  readonly #hotBySources = new LRUCache<string, HotRenderings>({ max: 1000 });
  /** The last source list asked for and its renderings: nearly every request names the same. */
  #lastSourcesKey: string | undefined;
  #lastHot: HotRenderings | undefined;
  readonly #tickets: Tickets;
  /** `repogate_cache_lookups_total{tier="memory",outcome="hit"}` */
  readonly #memoryHits: CounterSeries | undefined;

  constructor(deps: ComposerDeps, metadataTtlMs: number) {
    this.#deps = deps;
    this.#metadataTtlMs = metadataTtlMs;
    this.#tickets = new Tickets(deps.usage, 'metadata.fetched');
    this.#memoryHits = deps.metrics?.cacheLookups.child({ tier: 'memory', outcome: 'hit' });
  }

  answer(request: ComposerRequest, target: PackageTarget): Answer | Promise<Answer> {
    const { base, path, address } = request;
    if (base !== undefined) {
      const deps = this.#deps;
      const principal = deps.access.allowedPrincipal(request.req.headers.authorization, address, target.name);
      const pinRevision = principal && deps.archives.pinRevision(target.name);
      const found = pinRevision !== undefined && principal !== undefined && (this.#hotFor(principal.sourcesKey).get(base, path, pinRevision) ?? this.#fromMemory(base, path, target, pinRevision, principal.sources, principal.sourcesKey));
      if (principal && found) {
        this.#memoryHits?.inc();
        const ticket = this.#tickets.of(principal, path, address, subjectOf(target), found.source);
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
  #fromMemory(base: string, path: string, target: PackageTarget, pinRevision: number, sources: readonly string[], sourcesKey: string): WarmRendering | undefined {
    const found = this.#deps.sources.peekResolve(sources, target.name, target.dev);
    if (found === undefined || found === 'absent') return undefined;
    const rendered = this.#render(found.source, found.pkg, base);
    return this.#hotFor(sourcesKey).set(base, path, { rendered, source: found.source.name, outcome: found.pkg.outcome, upstreamMs: 0, staleConfirmedAt: undefined }, found.pkg, pinRevision);
  }

  #hotFor(sourcesKey: string): HotRenderings {
    if (sourcesKey === this.#lastSourcesKey) return this.#lastHot!;
    let hot = this.#hotBySources.get(sourcesKey);
    if (hot === undefined) {
      hot = new HotRenderings(this.#metadataTtlMs);
      this.#hotBySources.set(sourcesKey, hot);
    }
    this.#lastSourcesKey = sourcesKey;
    this.#lastHot = hot;
    return hot;
  }

  /** The package's metadata as served through `base`, read from `source` (memoised). */
  #render(source: Source, pkg: PackageSource, base: string) {
    const deps = this.#deps;
    return deps.renders.get(packageRenderKey(pkg, base, deps.archives), () => renderPackage(pkg, base, source.mapping, deps.dists, deps.archives));
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
    const hot = this.#hotFor(principal.sourcesKey);
    let found: HotRendering | undefined = hot.get(base, path, deps.archives.pinRevision(name));
    if (found) {
      this.#memoryHits?.inc();
    } else {
      let resolved;
      try {
        resolved = await deps.sources.resolve(principal.sources, name, dev, request.requestId);
      } catch (error) {
        if (isRepogateError(error)) return errorAnswer(error.code, error.message, facts);
        throw error;
      }
      const pkg = resolved?.pkg;
      if (resolved === undefined || pkg === undefined) {
        const where = principal.sourcesKey === 'default' ? 'the upstream repository' : `the account's sources (${principal.sources.join(', ')})`;
        return errorAnswer('NOT_FOUND', `package ${name} not found in ${where}: ${notEntitledCause}`, facts);
      }
      const rendered = this.#render(resolved.source, pkg, base);
      found = { rendered, source: resolved.source.name, outcome: pkg.outcome, upstreamMs: pkg.upstreamMs, staleConfirmedAt: pkg.outcome === 'stale' ? pkg.confirmedAt : undefined };
      hot.set(base, path, found, pkg, deps.archives.pinRevision(name));
    }
    facts.cache = found.outcome;
    facts.source = found.source;
    facts.upstreamMs = found.upstreamMs;
    deps.usage.use(this.#tickets.of(principal, path, address, subjectOf(target), found.source).use);
    return { kind: 'rendered', rendered: found.rendered, staleConfirmedAt: found.staleConfirmedAt, facts };
  }
}

/** What the audit trail names: the package, `~dev` for its dev versions. */
function subjectOf(target: PackageTarget): string {
  return target.dev ? `${target.name}~dev` : target.name;
}
