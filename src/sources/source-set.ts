import { RepogateError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { PackageSource } from '../upstream/upstream-repository.js';
import type { Source, SourceSettings } from './source.js';

/** A stored source whose settings can't be used (its secrets can't be opened): why. */
export interface BrokenSource {
  readonly name: string;
  readonly url: string;
  readonly updatedAt: string;
  readonly error: string;
}

/** Where a package is read from for an account: the first of its sources that has it. */
export interface Resolved {
  readonly source: Source;
  /** The versions asked for; undefined when the source has the package but none of those. */
  readonly pkg: PackageSource | undefined;
}

export interface SourceSetOptions {
  /** Reads the registry's sources (secrets opened). */
  readonly load: () => Promise<ReadonlyArray<SourceSettings | BrokenSource>>;
  readonly build: (settings: SourceSettings) => Source;
  readonly logger: Logger;
  /** How long a replaced or removed source's client is kept open for requests still using it. */
  readonly retireAfterMs?: number;
}

/**
 * The sources a running repogate reads: `default` (the environment's upstream) and those in the
 * registry, rebuilt when the registry changes (in this process or another: `refresh` is called
 * whenever the access cache is emptied, within a second of a change anywhere). A source whose
 * settings changed is built anew; one that is gone is closed once requests in flight are done.
 */
export class SourceSet {
  readonly #default: Source;
  readonly #options: SourceSetOptions;
  #named = new Map<string, { source: Source; updatedAt: string; url: string }>();
  #broken = new Map<string, BrokenSource>();
  #refreshing: Promise<void> | undefined;
  #again = false;
  readonly #retiring = new Map<NodeJS.Timeout, Source>();

  constructor(defaultSource: Source, options: SourceSetOptions) {
    this.#default = defaultSource;
    this.#options = options;
  }

  get default(): Source {
    return this.#default;
  }

  /** The source named `name`, if it is usable now. */
  get(name: string): Source | undefined {
    return name === 'default' ? this.#default : this.#named.get(name)?.source;
  }

  /** Every usable source, `default` first. */
  all(): Source[] {
    return [this.#default, ...[...this.#named.values()].map((entry) => entry.source)];
  }

  /** The source named `name`, or a RepogateError saying why it can't be read (never a secret). */
  require(name: string): Source {
    const source = this.get(name);
    if (source !== undefined) return source;
    const broken = this.#broken.get(name);
    if (broken !== undefined) throw new RepogateError('UPSTREAM_UNAVAILABLE', `the source ${name} cannot be read: ${broken.error}; the operator has been told`);
    throw new RepogateError('UPSTREAM_UNAVAILABLE', `the source ${name} is not configured on this repogate`);
  }

  /**
   * `require`, after the registry read in progress, if any, when the source isn't known yet: an
   * account given a new source asks for it right after the change that announced both.
   */
  async ensure(name: string): Promise<Source> {
    const source = this.get(name);
    if (source !== undefined) return source;
    if (this.#refreshing) await this.#refreshing;
    return this.require(name);
  }

  /**
   * The first of `names` (an account's sources, in order) that has `packageName`, as Composer treats
   * repository priority: a later source never serves a name an earlier one has. A source that can't
   * be asked fails the lookup (it might have the package: falling through could serve another
   * vendor's code under that name). Undefined when none has it.
   */
  async resolve(names: readonly string[], packageName: string, dev: boolean, requestId?: string): Promise<Resolved | undefined> {
    for (const name of names) {
      const source = await this.ensure(name);
      const { has, source: pkg } = await source.repository.lookup(packageName, dev, requestId);
      if (has) return { source, pkg };
    }
    return undefined;
  }

  /**
   * `resolve` from this process's memory, synchronously: the source and versions when every source
   * before it surely lacks the package and its document is fresh; 'absent' when every source
   * surely lacks it; undefined when `resolve` must answer.
   */
  peekResolve(names: readonly string[], packageName: string, dev: boolean): { readonly source: Source; readonly pkg: PackageSource } | 'absent' | undefined {
    for (const name of names) {
      const source = this.get(name);
      if (source === undefined) return undefined;
      const found = source.repository.peekLookup(packageName, dev);
      if (found === undefined) return undefined;
      if (found !== 'absent') return { source, pkg: found };
    }
    return 'absent';
  }

  /** Reads the registry's sources again (calls made meanwhile are folded into one more read). */
  refresh(): Promise<void> {
    if (this.#refreshing) {
      this.#again = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      try {
        do {
          this.#again = false;
          await this.#reload();
        } while (this.#again);
      } catch (error) {
        this.#options.logger.error({ err: String(error) }, 'could not read the sources from the registry; keeping the ones in use');
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  async #reload(): Promise<void> {
    const stored = await this.#options.load();
    const named = new Map<string, { source: Source; updatedAt: string; url: string }>();
    const broken = new Map<string, BrokenSource>();
    for (const settings of stored) {
      if ('error' in settings) {
        broken.set(settings.name, settings);
        if (this.#broken.get(settings.name)?.error !== settings.error) {
          this.#options.logger.error({ source: settings.name, url: settings.url }, `SOURCE ${settings.name} CANNOT BE READ: ${settings.error}`);
        }
        continue;
      }
      const current = this.#named.get(settings.name);
      if (current !== undefined && current.updatedAt === settings.updatedAt && current.url === settings.url) {
        named.set(settings.name, current);
        continue;
      }
      named.set(settings.name, { source: this.#options.build(settings), updatedAt: settings.updatedAt, url: settings.url });
      this.#options.logger.info({ source: settings.name, url: settings.url }, current === undefined ? 'source added' : 'source changed');
    }
    for (const [name, entry] of this.#named) {
      if (named.get(name)?.source !== entry.source) this.#retire(entry.source);
    }
    this.#named = named;
    this.#broken = broken;
  }

  #retire(source: Source): void {
    const timer = setTimeout(() => {
      this.#retiring.delete(timer);
      void source.close().catch(() => undefined);
    }, this.#options.retireAfterMs ?? 60_000);
    timer.unref();
    this.#retiring.set(timer, source);
  }

  async close(): Promise<void> {
    const retiring = [...this.#retiring.values()];
    for (const timer of this.#retiring.keys()) clearTimeout(timer);
    this.#retiring.clear();
    await Promise.all([...this.all(), ...retiring].map((source) => source.close().catch(() => undefined)));
  }
}
