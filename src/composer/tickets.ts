import { LRUCache } from 'lru-cache';
import type { Principal } from '../access/principal.js';
import type { RecurringUse, UsageRecorder } from '../access/usage-recorder.js';

/** What the lanes keep about a key's requests for one path from one address. */
export interface Ticket {
  readonly address: string;
  /** The source the path's package is read from. */
  readonly source: string;
  /** The key's use and the audit event, counted without building the event each time. */
  readonly use: RecurringUse;
  /** The access-log line's end (`AccessLogLines.tailOf`), made on first use. */
  tail: Buffer | undefined;
  /** The line's part from the method to `"ms":` (`middleOf`), for `GET` answered `200` and `304`. */
  middle200: Buffer | undefined;
  middle304: Buffer | undefined;
}

/** Paths kept per key (a CI install asks for a few hundred). */
const maxPathsPerKey = 10_000;

/**
 * Tickets by key (the principal object, replaced whenever the registry changes, so a change drops
 * them all) and path: the audit event of a use (`metadata.fetched`, `archive.downloaded`) is built
 * once, not per request.
 */
export class Tickets {
  readonly #usage: UsageRecorder;
  readonly #action: 'metadata.fetched' | 'archive.downloaded';
  readonly #byKey = new WeakMap<Principal, LRUCache<string, Ticket>>();

  constructor(usage: UsageRecorder, action: 'metadata.fetched' | 'archive.downloaded') {
    this.#usage = usage;
    this.#action = action;
  }

  /**
   * The ticket of `principal`'s requests for `path` (audited as about `subject` read from `source`,
   * with the path in the event's detail when `detailPath`) from `address`.
   */
  of(principal: Principal, path: string, address: string, subject: string, source: string, detailPath = false): Ticket {
    let byPath = this.#byKey.get(principal);
    if (byPath === undefined) {
      // Grown as used (no `max`: lru-cache would allocate room for all of it at once).
      byPath = new LRUCache<string, Ticket>({ maxSize: maxPathsPerKey, sizeCalculation: () => 1 });
      this.#byKey.set(principal, byPath);
    }
    // `peek`: no reordering per request; when full, the ticket made longest ago goes (and is made
    // again if asked for: its counts are kept by the usage recorder, not here).
    let ticket = byPath.peek(path);
    if (ticket === undefined || ticket.address !== address || ticket.source !== source) {
      const use = this.#usage.recurring({
        publicKey: principal.publicKey,
        accountId: principal.accountId,
        action: this.#action,
        package: subject,
        address,
        detail: detailPath ? { source, path } : { source },
      });
      ticket = { address, source, use, tail: undefined, middle200: undefined, middle304: undefined };
      byPath.set(path, ticket);
    }
    return ticket;
  }
}
