/**
 * The small part of Composer's version handling the mock needs: normalising the version strings
 * Magento uses (`2.4.7`, `2.4.7-p1`, `2.4.8-beta1`, `dev-main`) and ordering them newest first.
 */

const STABILITY_ORDER: Record<string, number> = { dev: 0, alpha: 1, beta: 2, rc: 3, stable: 4, patch: 5 };

/**
 * Normalises a version the way Composer's VersionParser does for the forms used here:
 * `2.4.7` → `2.4.7.0`, `2.4.7-p1` → `2.4.7.0-patch1`, `2.4.8-beta1` → `2.4.8.0-beta1`,
 * `2.4.8-RC2` → `2.4.8.0-RC2`, `dev-main` → `dev-main`, `4.8.x-dev` → `4.8.9999999.9999999-dev`.
 */
export function normalizeVersion(version: string): string {
  if (version.startsWith('dev-')) return version;
  const branch = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?\.x-dev$/i.exec(version);
  if (branch) {
    const parts = [branch[1], branch[2], branch[3]].filter((p): p is string => p !== undefined);
    while (parts.length < 4) parts.push('9999999');
    return `${parts.join('.')}-dev`;
  }
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?(?:-?(p|patch|pl|alpha|a|beta|b|rc)\.?(\d+)?)?$/i.exec(version);
  if (!match) throw new Error(`Cannot normalise version "${version}"`);
  const numbers = [match[1], match[2] ?? '0', match[3] ?? '0', match[4] ?? '0'].join('.');
  const flag = match[5]?.toLowerCase();
  if (flag === undefined) return numbers;
  const n = match[6] ?? '';
  switch (flag) {
    case 'p':
    case 'pl':
    case 'patch':
      return `${numbers}-patch${n}`;
    case 'a':
    case 'alpha':
      return `${numbers}-alpha${n}`;
    case 'b':
    case 'beta':
      return `${numbers}-beta${n}`;
    default:
      return `${numbers}-RC${n}`;
  }
}

/** The stability Composer derives from a normalised version. */
export function stabilityOf(normalized: string): 'dev' | 'alpha' | 'beta' | 'RC' | 'stable' {
  if (normalized.startsWith('dev-') || normalized.endsWith('-dev')) return 'dev';
  if (/-alpha\d*$/.test(normalized)) return 'alpha';
  if (/-beta\d*$/.test(normalized)) return 'beta';
  if (/-RC\d*$/.test(normalized)) return 'RC';
  return 'stable';
}

function sortKey(normalized: string): { numbers: number[]; rank: number; n: number } {
  if (normalized.startsWith('dev-')) return { numbers: [], rank: STABILITY_ORDER.dev ?? 0, n: 0 };
  const [head = '', suffix = ''] = normalized.split('-', 2);
  const numbers = head.split('.').map((p) => Number(p));
  const m = /^(patch|alpha|beta|RC|dev)(\d*)$/i.exec(suffix);
  if (!m) return { numbers, rank: STABILITY_ORDER.stable ?? 4, n: 0 };
  const rank = STABILITY_ORDER[(m[1] ?? 'stable').toLowerCase()] ?? 4;
  return { numbers, rank, n: Number(m[2] || 0) };
}

/** Compares two normalised versions; negative when `a` is older than `b`. */
export function compareVersions(a: string, b: string): number {
  const ka = sortKey(a);
  const kb = sortKey(b);
  const len = Math.max(ka.numbers.length, kb.numbers.length);
  for (let i = 0; i < len; i++) {
    const d = (ka.numbers[i] ?? 0) - (kb.numbers[i] ?? 0);
    if (d !== 0) return d;
  }
  if (ka.rank !== kb.rank) return ka.rank - kb.rank;
  if (ka.n !== kb.n) return ka.n - kb.n;
  return a < b ? -1 : a > b ? 1 : 0;
}
