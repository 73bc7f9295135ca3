import { invalid } from '../errors.js';
import { parseRule } from '../registry/rules.js';
import {
  assertCidr,
  assertDate,
  assertEmail,
  assertEntitlementName,
  assertMageId,
  assertPublicKey,
} from '../registry/validation.js';

/**
 * Parsers for commander arguments and options, so that a malformed MAGEID, key, date, rule or network
 * is refused (VALIDATION, exit 2, naming the value) before the registry is opened. They use the
 * registry's own checks, which apply again when the registry is called.
 */
export const parse = {
  mageId: (value: string): string => assertMageId(value),
  publicKey: (value: string): string => assertPublicKey(value),
  date: (value: string): string => assertDate(value, 'expiry date'),
  email: (value: string): string => assertEmail(value),
  entitlementName: (value: string): string => assertEntitlementName(value),
  rule: (value: string): string => parseRule(value).source,
  cidr: (value: string): string => assertCidr(value),
  since: (value: string): string => {
    if (/^\d{1,5}[hdw]$/.test(value)) return value;
    return assertDate(value, 'date or age (YYYY-MM-DD, or e.g. 90d, 12h, 2w)');
  },
  limit: (value: string): string => {
    if (!/^\d{1,6}$/.test(value) || Number(value) < 1) throw invalid(`invalid limit "${value}": expected a whole number from 1`);
    return value;
  },
};

/** The ISO instant a `--since`/`--unused-since` value stands for: a date (its start, UTC) or an age back from `now`. */
export function cutoffOf(spec: string, now: Date): string {
  const age = /^(\d+)([hdw])$/.exec(spec);
  if (!age) return `${spec}T00:00:00.000Z`;
  const hours = { h: 1, d: 24, w: 168 }[age[2] as 'h' | 'd' | 'w'];
  return new Date(now.getTime() - Number(age[1]) * hours * 3_600_000).toISOString();
}

/** For a repeatable option (`--rule a --rule b`, `--rule a b`): parses each value and collects them. */
export function collect(parseOne: (value: string) => string): (value: string, previous: string[] | undefined) => string[] {
  return (value, previous) => [...(previous ?? []), parseOne(value)];
}
