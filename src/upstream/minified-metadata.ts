/**
 * Composer 2's minified metadata format (`"minified": "composer/2.0"`): the first version entry is
 * complete; each later one lists only the keys that differ from the entry before it, and the value
 * `"__unset"` removes an inherited key. Mirrors Composer's MetadataMinifier (expand/minify).
 */
export type VersionEntry = Record<string, unknown>;

const unset = '__unset';

export function expandVersions(minified: readonly VersionEntry[]): VersionEntry[] {
  const expanded: VersionEntry[] = [];
  let previous: VersionEntry | undefined;
  for (const entry of minified) {
    const current: VersionEntry = previous ? { ...previous } : {};
    for (const [key, value] of Object.entries(entry)) {
      if (value === unset) delete current[key];
      else current[key] = value;
    }
    expanded.push(current);
    previous = current;
  }
  return expanded;
}

export function minifyVersions(versions: readonly VersionEntry[]): VersionEntry[] {
  const minified: VersionEntry[] = [];
  let previous: VersionEntry | undefined;
  for (const version of versions) {
    if (!previous) {
      minified.push(version);
    } else {
      const diff: VersionEntry = {};
      for (const [key, value] of Object.entries(version)) {
        if (!(key in previous) || !sameJson(previous[key], value)) diff[key] = value;
      }
      for (const key of Object.keys(previous)) {
        if (!(key in version)) diff[key] = unset;
      }
      minified.push(diff);
    }
    previous = version;
  }
  return minified;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Dev versions (branches) go to `~dev.json`; tagged releases to the plain file. */
export function isDevVersion(entry: VersionEntry): boolean {
  const version = String(entry['version'] ?? '');
  const normalised = String(entry['version_normalized'] ?? '');
  return version.startsWith('dev-') || version.endsWith('-dev') || normalised.startsWith('dev-') || normalised.endsWith('-dev');
}
