import type { Logger } from '../logger.js';
import type { Registry } from '../registry/registry.js';
import type { ActivityEvent } from '../registry/usage.js';

/**
 * What keys do — last-used time and address, activity events for the audit trail, download counts
 * from Composer's notify-batch — gathered in memory and written in batches, so that the request
 * path never waits for a database write.
 */
interface LastUse {
  atMs: number;
  address: string;
}

interface ActivityCount {
  readonly event: ActivityEvent;
  count: number;
}

/** See `UsageRecorder.recurring`. */
export interface RecurringUse {
  readonly event: Omit<ActivityEvent, 'at'>;
  readonly id: string;
  window: number;
  lastUse: LastUse | undefined;
  count: ActivityCount | undefined;
}

function activityId(event: Omit<ActivityEvent, 'at'>): string {
  return `${event.action}\u0000${event.publicKey}\u0000${event.package}\u0000${event.address}`;
}

export class UsageRecorder {
  readonly #registry: Registry;
  readonly #logger: Logger;
  #lastUsed = new Map<string, LastUse>();
  /** Activity within the current window, one entry per (action, key, package, address), with a count. */
  #activity = new Map<string, ActivityCount>();
  /** Bumped whenever the maps above are handed to a write: `RecurringUse` handles then look up again. */
  #window = 0;
  /** `${day}\u0000${accountId}\u0000${publicKey}\u0000${package}` → count */
  #downloads = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(registry: Registry, logger: Logger, flushIntervalMs = 2000) {
    this.#registry = registry;
    this.#logger = logger;
    this.#timer = setInterval(() => void this.flush(), flushIntervalMs);
    this.#timer.unref();
  }

  record(publicKey: string, address: string): void {
    this.#lastUseOf(publicKey, address).atMs = Date.now();
  }

  #lastUseOf(publicKey: string, address: string): LastUse {
    let seen = this.#lastUsed.get(publicKey);
    if (seen === undefined) this.#lastUsed.set(publicKey, (seen = { atMs: 0, address }));
    else seen.address = address;
    return seen;
  }

  /**
   * A handle for a use that recurs (the same key fetching the same thing from the same address, as a
   * CI fleet does all day): `use(handle)` then counts it as `record` + `activity` would, without
   * building the activity's id or looking it up again within a window.
   */
  recurring(event: Omit<ActivityEvent, 'at'>): RecurringUse {
    return { event, id: activityId(event), window: -1, lastUse: undefined, count: undefined };
  }

  /** One more use of `handle`: the key's last use now, and one more of its activity. */
  use(handle: RecurringUse): void {
    let { lastUse, count } = handle;
    if (handle.window !== this.#window || lastUse === undefined || count === undefined) {
      handle.window = this.#window;
      lastUse = handle.lastUse = this.#lastUseOf(handle.event.publicKey, handle.event.address);
      count = handle.count = this.#countOf(handle.id, handle.event);
    }
    // The key's last use is shared by its handles (other packages, other addresses).
    lastUse.address = handle.event.address;
    lastUse.atMs = Date.now();
    count.count += 1;
  }

  /**
   * A metadata fetch or archive download by a key, for the audit trail. Repeats of the same thing
   * within one flush window become one event with a `count`, so a busy CI fleet writes one row per
   * key and package every couple of seconds, not one per request.
   */
  activity(event: Omit<ActivityEvent, 'at'>): void {
    this.#countOf(activityId(event), event).count += 1;
  }

  /** The entry counting an activity in this window (new ones start at 0). */
  #countOf(id: string, event: Omit<ActivityEvent, 'at'>): ActivityCount {
    let seen = this.#activity.get(id);
    if (seen === undefined) {
      this.#activity.set(id, (seen = { event: { ...event, at: new Date().toISOString() }, count: 0 }));
      if (this.#activity.size >= 5000) void this.flush();
    }
    return seen;
  }

  /** Composer's download notifications (notify-batch) for one key. */
  downloads(publicKey: string, accountId: string, packages: readonly string[]): void {
    const day = new Date().toISOString().slice(0, 10);
    for (const name of packages) {
      const key = [day, accountId, publicKey, name].join('\u0000');
      this.#downloads.set(key, (this.#downloads.get(key) ?? 0) + 1);
    }
  }

  /** Writes everything gathered so far. Flushes never overlap. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#write());
    return this.#flushing;
  }

  async #write(): Promise<void> {
    const lastUsed = [...this.#lastUsed].map(([publicKey, { atMs, address }]) => ({ publicKey, at: new Date(atMs).toISOString(), address }));
    const activity = [...this.#activity.values()].map(({ event, count }) =>
      count === 1 ? event : { ...event, detail: { ...event.detail, count } },
    );
    const downloads = this.#downloads;
    this.#window += 1;
    this.#lastUsed = new Map();
    this.#activity = new Map();
    this.#downloads = new Map();
    try {
      await this.#registry.keys.recordUsage(lastUsed);
      await this.#registry.usage.appendActivity(activity);
      const grouped = new Map<string, Array<{ publicKey: string; package: string; count: number }>>();
      for (const [key, count] of downloads) {
        const [day = '', accountId = '', publicKey = '', name = ''] = key.split('\u0000');
        const group = `${day}\u0000${accountId}`;
        let counts = grouped.get(group);
        if (counts === undefined) grouped.set(group, (counts = []));
        counts.push({ publicKey, package: name, count });
      }
      for (const [group, counts] of grouped) {
        const [day = '', accountId = ''] = group.split('\u0000');
        await this.#registry.usage.addDownloads(day, accountId, counts);
      }
    } catch (error) {
      this.#logger.warn({ err: String(error), keys: lastUsed.length, events: activity.length }, 'could not record key usage');
    }
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }
}
