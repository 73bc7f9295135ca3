import { invalid } from '../errors.js';

/**
 * Package rules, as used by entitlements and key scopes: `vendor/name`, `vendor/*`, `*\/*`, globs
 * inside a segment (`magento/module-*`), and `!rule` to take away. The last rule that matches decides;
 * when none matches the package is not allowed.
 */
export interface PackageRule {
  readonly source: string;
  readonly negated: boolean;
  readonly pattern: RegExp;
  /** The rule without `!`, e.g. `magento/*`. */
  readonly glob: string;
}

const rulePattern = /^!?[a-z0-9*][a-z0-9_.*-]*\/[a-z0-9*][a-z0-9_.*-]*$/;
/** A Composer package name as repogate accepts it (lowercase `vendor/name`). */
export const packageNamePattern = /^[a-z0-9]([_.-]?[a-z0-9]+)*\/[a-z0-9](([_.]|-{1,2})?[a-z0-9]+)*$/;

export function isValidPackageName(name: string): boolean {
  return name.length <= 214 && packageNamePattern.test(name);
}

/** Parses one rule; throws VALIDATION naming the rule when it is malformed. */
export function parseRule(source: string): PackageRule {
  const text = source.trim();
  if (!rulePattern.test(text)) {
    throw invalid(
      `invalid package rule "${source}": expected vendor/name, vendor/*, */* or a glob, optionally prefixed with !`,
    );
  }
  const negated = text.startsWith('!');
  const glob = negated ? text.slice(1) : text;
  const regex = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
  return { source: text, negated, glob, pattern: new RegExp(`^${regex}$`) };
}

export function parseRules(sources: readonly string[]): PackageRule[] {
  return sources.map(parseRule);
}

/** The rule that decides for `packageName`: the last one that matches; undefined when none does. */
export function decidingRule(rules: readonly PackageRule[], packageName: string): PackageRule | undefined {
  for (let i = rules.length - 1; i >= 0; i--) {
    const rule = rules[i]!;
    if (rule.pattern.test(packageName)) return rule;
  }
  return undefined;
}

/** Last match wins; no match means not allowed. */
export function rulesAllow(rules: readonly PackageRule[], packageName: string): boolean {
  const rule = decidingRule(rules, packageName);
  return rule !== undefined && !rule.negated;
}
