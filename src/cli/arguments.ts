import { invalid } from '../errors.js';
import { parseRule } from '../registry/rules.js';
import {
  assertAddress,
  assertCidr,
  assertDate,
  assertEmail,
  assertEntitlementName,
  assertMageId,
  assertNotPast,
  assertPackageName,
  assertPublicKey,
  assertSince,
} from '../registry/validation.js';

export { cutoffOf } from '../registry/validation.js';

/**
 * Parsers for commander arguments and options, so that a malformed MAGEID, key, date, rule or network
 * is refused (VALIDATION, exit 2, naming the value) before the registry is opened. They use the
 * registry's own checks, which apply again when the registry is called.
 */
export const parse = {
  mageId: (value: string): string => assertMageId(value),
  publicKey: (value: string): string => assertPublicKey(value),
  date: (value: string): string => assertDate(value, 'expiry date'),
  /** `keys create --expires`: a date today or later (UTC), as the registry checks it, naming the option. */
  keyExpiry: (value: string): string => assertNotPast(assertDate(value, 'expiry date'), new Date().toISOString().slice(0, 10), '--expires'),
  email: (value: string): string => assertEmail(value),
  entitlementName: (value: string): string => assertEntitlementName(value),
  rule: (value: string): string => parseRule(value).source,
  cidr: (value: string): string => assertCidr(value),
  address: (value: string): string => assertAddress(value),
  packageName: (value: string): string => assertPackageName(value),
  since: (value: string): string => assertSince(value),
  limit: (value: string): string => {
    if (!/^\d{1,6}$/.test(value) || Number(value) < 1) throw invalid(`invalid limit "${value}": expected a whole number from 1`);
    return value;
  },
};


/** For a repeatable option (`--rule a --rule b`, `--rule a b`): parses each value and collects them. */
export function collect(parseOne: (value: string) => string): (value: string, previous: string[] | undefined) => string[] {
  return (value, previous) => [...(previous ?? []), parseOne(value)];
}
