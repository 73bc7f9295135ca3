import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { addressAllowed, compileNetworks, normaliseAddress } from '../access/principal.js';
import { assertCidr } from '../registry/validation.js';

/** How a request's client address is found: from the TCP peer, or through trusted reverse proxies. */
export type ClientAddress = (req: IncomingMessage) => string;

/** More X-Forwarded-For entries than this are not walked (no real chain of proxies is that long). */
const maxHops = 32;

/**
 * One X-Forwarded-For entry as an address: `203.0.113.7`, `2001:db8::1`, and the forms some proxies
 * write with a port (`203.0.113.7:51234`, `[2001:db8::1]:51234`, `[2001:db8::1]`). Undefined when it
 * is none of these.
 */
function entryAddress(entry: string): string | undefined {
  const text = entry.trim();
  if (isIP(text) !== 0) return normaliseAddress(text);
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed?.[1] !== undefined && isIP(bracketed[1]) === 6) return normaliseAddress(bracketed[1]);
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(text);
  if (withPort?.[1] !== undefined && isIP(withPort[1]) === 4) return withPort[1];
  return undefined;
}

/**
 * The client address of a request, given the networks of the reverse proxies in front of repogate
 * (`REPOGATE_TRUSTED_PROXIES`, as CIDRs or addresses). With none, it is the TCP peer, and
 * X-Forwarded-For is never read. Otherwise, when the peer is a trusted proxy, X-Forwarded-For is
 * walked from the right (each proxy appends the address it received the request from), skipping
 * trusted proxies: the first address that is not one is the client; if every entry is trusted, the
 * leftmost one. Anything to the left of the client is whatever the client sent, and is ignored. A
 * header that is missing, or malformed where it is read, leaves the peer.
 */
export function createClientAddress(trusted: readonly string[]): ClientAddress {
  const peerOf = (req: IncomingMessage): string => req.socket.remoteAddress ?? 'unknown';
  const networks = compileNetworks(trusted.map(assertCidr));
  if (networks === null) return peerOf;
  const isTrusted = (address: string): boolean => addressAllowed(networks, address);
  return (req) => {
    const peer = req.socket.remoteAddress;
    if (peer === undefined) return 'unknown';
    if (!isTrusted(peer)) return peer;
    const header = req.headers['x-forwarded-for'];
    if (typeof header !== 'string' || header.trim() === '') return peer;
    const entries = header.split(',');
    let client: string | undefined;
    for (let i = entries.length - 1, hops = 0; i >= 0 && hops < maxHops; i--, hops++) {
      const address = entryAddress(entries[i]!);
      if (address === undefined) return peer;
      client = address;
      if (!isTrusted(address)) return address;
    }
    return client ?? peer;
  };
}
