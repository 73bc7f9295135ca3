import { isIP } from 'node:net';
import { invalid } from '../errors.js';
import { isValidPackageName } from './rules.js';
import { keyStringPattern } from './secrets.js';

export const mageIdPattern = /^MAG\d{1,12}$/;

export function assertMageId(id: string): string {
  if (!mageIdPattern.test(id)) {
    throw invalid(`invalid MAGEID "${id}": expected MAG followed by digits, e.g. MAG123456789`);
  }
  return id;
}

export function assertPublicKey(key: string): string {
  if (!keyStringPattern.test(key)) {
    throw invalid(`invalid public key "${key}": expected 32 lowercase hexadecimal characters`);
  }
  return key;
}

export function assertName(value: string, what: string, max = 100): string {
  const name = value.trim();
  if (name.length === 0) throw invalid(`${what} must not be empty`);
  if (name.length > max) throw invalid(`${what} is too long (at most ${max} characters)`);
  if ([...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
    throw invalid(`${what} must not contain control characters`);
  }
  return name;
}

export function assertEntitlementName(name: string): string {
  if (!/^[a-z0-9][a-z0-9_.-]{0,63}$/.test(name)) {
    throw invalid(`invalid entitlement name "${name}": use lowercase letters, digits, '.', '_' or '-' (at most 64)`);
  }
  return name;
}

/** A calendar date `YYYY-MM-DD` that exists. */
export function assertDate(value: string, what: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const date = match ? new Date(`${value}T00:00:00Z`) : undefined;
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    throw invalid(`invalid ${what} "${value}": expected a date YYYY-MM-DD`);
  }
  return value;
}

/**
 * A last day (`YYYY-MM-DD`, already checked) that is today or later: a key that expired before it was
 * made would never work. `what` names the value as the caller knows it (`expiry date`, `--expires`).
 */
export function assertNotPast(date: string, today: string, what: string): string {
  if (date < today) throw invalid(`${what} ${date} is in the past (today is ${today}, UTC): give today or a later date`);
  return date;
}

export function assertEmail(value: string): string {
  if (!/^[^\s@]+@[^\s@]+$/.test(value) || value.length > 254) throw invalid(`invalid email address "${value}"`);
  return value;
}

/** An IPv4 or IPv6 network in CIDR notation, or a single address. Returned normalised as `addr/prefix`. */
export function assertCidr(value: string): string {
  const [address = '', prefixText] = value.split('/');
  const family = isIP(address);
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max || (prefixText !== undefined && !/^\d+$/.test(prefixText))) {
    throw invalid(`invalid network "${value}": expected an address or CIDR such as 10.0.0.0/8 or 2001:db8::/32`);
  }
  return `${address}/${prefix}`;
}

/** A Composer package name `vendor/name` (lowercase, as Composer asks repositories for it). */
export function assertPackageName(value: string): string {
  if (!isValidPackageName(value)) throw invalid(`invalid package name "${value}": expected vendor/name in lowercase, e.g. magento/module-catalog`);
  return value;
}

/** One IPv4 or IPv6 address (a client's). */
export function assertAddress(value: string): string {
  if (isIP(value) === 0) throw invalid(`invalid address "${value}": expected an IPv4 or IPv6 address such as 192.0.2.10`);
  return value;
}

/** A point in the past: a date `YYYY-MM-DD`, or an age such as `90d`, `12h`, `2w`. */
export function assertSince(value: string): string {
  if (/^\d{1,5}[hdw]$/.test(value)) return value;
  return assertDate(value, 'date or age (YYYY-MM-DD, or e.g. 90d, 12h, 2w)');
}

/** The ISO instant a `since` value stands for: a date (its start, UTC) or an age back from `now`. */
export function cutoffOf(spec: string, now: Date): string {
  const age = /^(\d+)([hdw])$/.exec(spec);
  if (!age) return `${spec}T00:00:00.000Z`;
  const hours = { h: 1, d: 24, w: 168 }[age[2] as 'h' | 'd' | 'w'];
  return new Date(now.getTime() - Number(age[1]) * hours * 3_600_000).toISOString();
}
