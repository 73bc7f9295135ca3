/**
 * JSON as PHP's `json_encode()` writes it (default flags), which is what repo.magento.com and every
 * PHP-based Composer repository serve: slashes escaped as `\/`, non-ASCII escaped as `\uXXXX`, never
 * pretty-printed, and an empty associative array written as `[]` (PHP cannot tell it from a list).
 */

/** A JSON scalar. */
export type JsonPrimitive = string | number | boolean | null;
/** Any JSON value. */
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
/** A JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}

const NON_ASCII = /[\u0080-\uffff]/g;

function encodeString(value: string): string {
  return JSON.stringify(value)
    .replace(/\//g, '\\/')
    .replace(NON_ASCII, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Serialises `value` exactly like PHP's `json_encode($value)` with default flags.
 *
 * An empty object is written as `[]`, as PHP does for an empty array; a proxy that parses these
 * documents must cope with `[]` where it expects a map.
 */
export function phpJsonEncode(value: JsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError('json_encode: non-finite number');
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return encodeString(value);
  if (Array.isArray(value)) return `[${value.map((item) => phpJsonEncode(item)).join(',')}]`;
  const keys = Object.keys(value);
  if (keys.length === 0) return '[]';
  const parts: string[] = [];
  for (const key of keys) {
    const item = value[key];
    if (item === undefined) continue;
    parts.push(`${encodeString(key)}:${phpJsonEncode(item)}`);
  }
  return `{${parts.join(',')}}`;
}

/** True when `a` and `b` are the same JSON value (object key order matters, as it does for PHP's `===`). */
export function jsonIdentical(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return phpJsonEncode(a) === phpJsonEncode(b);
}

/** Composer 2's marker for a key removed relative to the previous version entry. */
export const UNSET_MARKER = '__unset';

/**
 * Minifies version entries the way `composer/metadata-minifier` does: the first entry complete,
 * each later one only the keys whose value differs from the entry before it, `"__unset"` for a key
 * the later entry no longer has.
 */
export function minifyVersions(versions: readonly JsonObject[]): JsonObject[] {
  const out: JsonObject[] = [];
  let last: JsonObject | undefined;
  for (const version of versions) {
    if (last === undefined) {
      last = { ...version };
      out.push({ ...version });
      continue;
    }
    const diff: JsonObject = {};
    for (const [key, val] of Object.entries(version)) {
      if (!jsonIdentical(last[key], val)) {
        diff[key] = val;
        last[key] = val;
      }
    }
    for (const key of Object.keys(last)) {
      if (!(key in version)) {
        diff[key] = UNSET_MARKER;
        delete last[key];
      }
    }
    out.push(diff);
  }
  return out;
}

/** Expands minified version entries back to complete ones (inverse of {@link minifyVersions}). */
export function expandVersions(versions: readonly JsonObject[]): JsonObject[] {
  const out: JsonObject[] = [];
  let current: JsonObject | undefined;
  for (const version of versions) {
    if (current === undefined) {
      current = { ...version };
    } else {
      current = { ...current };
      for (const [key, val] of Object.entries(version)) {
        if (val === UNSET_MARKER) delete current[key];
        else current[key] = val;
      }
    }
    out.push(current);
  }
  return out;
}

/** Narrows a parsed JSON value to an object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
