import { sql, type Kysely } from 'kysely';
import type { Database } from '../registry/schema.js';

/** The table of pins (created by the registry migration `0002_archive_pins`). */
export const pinsTable = 'archive_pins';

interface ArchivePinsTable {
  /** The dist path as repogate serves it, below its public base URL (with the query, if any). */
  path: string;
  package: string;
  sha1: string;
  size: number;
  pinned_at: string;
  /** Grows with every new pin, so that other processes can pick up only what is new. */
  seq: number;
  drift_sha1: string | null;
  drift_count: number;
  drift_first_at: string | null;
  drift_last_at: string | null;
}

type PinDatabase = Database & { archive_pins: ArchivePinsTable };

/** The bytes repogate has served for one dist path: what it serves for that path from then on. */
export interface ArchivePin {
  readonly path: string;
  readonly packageName: string;
  readonly sha1: string;
  readonly size: number;
  readonly pinnedAt: string;
}

/** A pinned archive that the upstream has since republished with different bytes. */
export interface ArchiveDrift extends ArchivePin {
  /** The sha1 the upstream gives (or served) now. */
  readonly upstreamSha1: string;
  /** How many different republications were seen. */
  readonly count: number;
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
}

function toPin(row: Pick<ArchivePinsTable, 'path' | 'package' | 'sha1' | 'size' | 'pinned_at'>): ArchivePin {
  return { path: row.path, packageName: row.package, sha1: row.sha1, size: Number(row.size), pinnedAt: row.pinned_at };
}

/**
 * The pin table: dist path → sha1 and size of the first bytes served for it. It lives in the registry
 * database, so it survives restarts and eviction of the bytes, and the CLI and every instance share it.
 *
 * Every pin is also held in memory (a pin is ~200 bytes; a large shop has tens of thousands), so that
 * rendering metadata can read them synchronously. `revisionOf(package)` changes whenever a pin of that
 * package changes, for memoising what is rendered from them. `watch()` picks up pins written by other
 * processes.
 */
export class PinStore {
  readonly #db: Kysely<PinDatabase>;
  readonly #now: () => Date;
  readonly #pins = new Map<string, ArchivePin>();
  readonly #revisions = new Map<string, number>();
  /** Drifts already recorded by this process: `path|upstreamSha1`. */
  readonly #noted = new Set<string>();
  #counter = 0;
  /** Revision of packages that have not changed since the last full load. */
  #baseRevision = 0;
  #lastSeq = 0;
  #timer: NodeJS.Timeout | undefined;
  #driftsSeen = 0;

  constructor(db: Kysely<Database>, options: { now?: () => Date } = {}) {
    this.#db = db.withTables<{ archive_pins: ArchivePinsTable }>();
    this.#now = options.now ?? (() => new Date());
  }

  /** Loads every pin into memory. */
  async load(): Promise<void> {
    const rows = await this.#db.selectFrom(pinsTable).select(['path', 'package', 'sha1', 'size', 'pinned_at', 'seq']).execute();
    this.#pins.clear();
    this.#revisions.clear();
    this.#lastSeq = 0;
    for (const row of rows) {
      this.#pins.set(row.path, toPin(row));
      this.#lastSeq = Math.max(this.#lastSeq, Number(row.seq));
    }
    this.#baseRevision = ++this.#counter;
  }

  /**
   * Polls for pins written by other processes (the CLI's `cache warm`, other instances) every
   * `intervalMs`; a removal (`cache purge --unpin`) reloads them all.
   */
  watch(intervalMs: number, onError: (error: unknown) => void): void {
    const poll = async (): Promise<void> => {
      try {
        await this.refresh();
      } catch (error) {
        onError(error);
      }
    };
    this.#timer = setInterval(() => void poll(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Picks up changes made by other processes. */
  async refresh(): Promise<void> {
    const state = await this.#db
      .selectFrom(pinsTable)
      .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.max('seq').as('max_seq')])
      .executeTakeFirstOrThrow();
    const count = Number(state.count);
    const maxSeq = Number(state.max_seq ?? 0);
    if (count === this.#pins.size && maxSeq === this.#lastSeq) return;
    const fresh = await this.#db
      .selectFrom(pinsTable)
      .select(['path', 'package', 'sha1', 'size', 'pinned_at', 'seq'])
      .where('seq', '>', this.#lastSeq)
      .execute();
    for (const row of fresh) {
      this.#remember(toPin(row));
      this.#lastSeq = Math.max(this.#lastSeq, Number(row.seq));
    }
    if (count !== this.#pins.size) await this.load();
  }

  /** The pin of a dist path, from memory. */
  get(path: string): ArchivePin | undefined {
    return this.#pins.get(path);
  }

  /** The pin of a dist path: from memory, else from the database (written by another process). */
  async lookup(path: string): Promise<ArchivePin | undefined> {
    const known = this.#pins.get(path);
    if (known) return known;
    const row = await this.#db.selectFrom(pinsTable).select(['path', 'package', 'sha1', 'size', 'pinned_at']).where('path', '=', path).executeTakeFirst();
    if (!row) return undefined;
    const pin = toPin(row);
    this.#remember(pin);
    return pin;
  }

  /** Changes whenever a pin of `packageName` changes (for memo keys of rendered metadata). */
  revisionOf(packageName: string): number {
    return this.#revisions.get(packageName) ?? this.#baseRevision;
  }

  /**
   * Pins `path` to these bytes unless it is pinned already; returns the pin that holds (another
   * process may have pinned it first).
   */
  async pin(pin: Omit<ArchivePin, 'pinnedAt'>): Promise<ArchivePin> {
    await this.#db
      .insertInto(pinsTable)
      .values({
        path: pin.path,
        package: pin.packageName,
        sha1: pin.sha1,
        size: pin.size,
        pinned_at: this.#now().toISOString(),
        seq: sql<number>`(select coalesce(max(seq), 0) + 1 from archive_pins)`,
        drift_count: 0,
      })
      .onConflict((oc) => oc.column('path').doNothing())
      .execute();
    const row = await this.#db.selectFrom(pinsTable).select(['path', 'package', 'sha1', 'size', 'pinned_at']).where('path', '=', pin.path).executeTakeFirstOrThrow();
    const held = toPin(row);
    this.#remember(held);
    return held;
  }

  /**
   * Records that the upstream now has other bytes (`upstreamSha1`) for a pinned path. Counted once per
   * different sha1; returns true the first time this process sees this drift (log it then).
   */
  async noteDrift(pin: ArchivePin, upstreamSha1: string): Promise<boolean> {
    const key = `${pin.path}|${upstreamSha1}`;
    if (this.#noted.has(key)) return false;
    this.#noted.add(key);
    this.#driftsSeen++;
    const now = this.#now().toISOString();
    await this.#db
      .updateTable(pinsTable)
      .set({
        drift_count: sql<number>`case when drift_sha1 = ${upstreamSha1} then drift_count else drift_count + 1 end`,
        drift_sha1: upstreamSha1,
        drift_first_at: sql<string>`coalesce(drift_first_at, ${now})`,
        drift_last_at: now,
      })
      .where('path', '=', pin.path)
      .execute();
    return true;
  }

  /** Drifts seen by this process since it started. */
  get driftsSeen(): number {
    return this.#driftsSeen;
  }

  /** Pinned archives whose upstream bytes changed, most recent first. */
  async drifts(): Promise<ArchiveDrift[]> {
    const rows = await this.#db.selectFrom(pinsTable).selectAll().where('drift_count', '>', 0).orderBy('drift_last_at', 'desc').orderBy('path').execute();
    return rows.map((row) => ({
      ...toPin(row),
      upstreamSha1: row.drift_sha1 ?? '',
      count: Number(row.drift_count),
      firstSeenAt: row.drift_first_at ?? '',
      lastSeenAt: row.drift_last_at ?? '',
    }));
  }

  /** Every pin in the database (not only those in memory). */
  async all(): Promise<ArchivePin[]> {
    const rows = await this.#db.selectFrom(pinsTable).select(['path', 'package', 'sha1', 'size', 'pinned_at']).orderBy('path').execute();
    return rows.map(toPin);
  }

  /** Forgets pins: their paths serve whatever the upstream has next time. */
  async unpin(paths: readonly string[]): Promise<number> {
    let removed = 0;
    for (let i = 0; i < paths.length; i += 500) {
      const batch = paths.slice(i, i + 500);
      const result = await this.#db.deleteFrom(pinsTable).where('path', 'in', batch).executeTakeFirst();
      removed += Number(result.numDeletedRows);
      for (const p of batch) this.#forget(p);
    }
    return removed;
  }

  #remember(pin: ArchivePin): void {
    this.#pins.set(pin.path, pin);
    this.#revisions.set(pin.packageName, ++this.#counter);
  }

  #forget(path: string): void {
    const pin = this.#pins.get(path);
    if (!pin) return;
    this.#pins.delete(path);
    this.#revisions.set(pin.packageName, ++this.#counter);
  }
}
