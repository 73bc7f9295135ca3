import { createHash } from 'node:crypto';
import { invalid } from '../../errors.js';
import { member, parseJsonSource, type JsonNode } from './json-source.js';

/**
 * The keys of composer.json that make up a lock file's `content-hash`, as Composer's
 * `Locker::getContentHash` lists them (src/Composer/Package/Locker.php); `config.platform` counts too.
 */
const relevantKeys = [
  'name',
  'version',
  'require',
  'require-dev',
  'conflict',
  'replace',
  'provide',
  'minimum-stability',
  'prefer-stable',
  'repositories',
  'extra',
];

/**
 * The `content-hash` Composer writes into composer.lock for a composer.json with this text, so that
 * Composer finds the lock up to date. Composer decodes the file into PHP arrays, keeps the relevant
 * keys (and `config.platform`), sorts them by key and hashes `json_encode($relevant)` (flags 0:
 * escaped slashes, `\uXXXX` for everything beyond ASCII) with md5.
 */
export function composerContentHash(composerJsonText: string, file = 'composer.json'): string {
  const root = parseJsonSource(composerJsonText, file);
  if (root.kind !== 'object') throw invalid(`${file} must hold a JSON object`);
  const relevant: Array<[string, string]> = [];
  for (const key of relevantKeys) {
    const value = member(root, key);
    if (value !== undefined) relevant.push([key, phpJsonEncode(value)]);
  }
  // isset($content['config']['platform']): a member of an object, and not null.
  const platform = member(member(root, 'config'), 'platform');
  if (platform !== undefined && !(platform.kind === 'literal' && platform.value === null)) {
    relevant.push(['config', `{"platform":${phpJsonEncode(platform)}}`]);
  }
  relevant.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const encoded = relevant.length === 0 ? '[]' : `{${relevant.map(([key, value]) => `${phpString(key)}:${value}`).join(',')}}`;
  return createHash('md5').update(encoded, 'utf8').digest('hex');
}

/**
 * What PHP's `json_encode($value)` (flags 0) prints for the array or scalar `json_decode($text, true)`
 * made of this node: objects become PHP arrays, whose integer-like keys become integers, and an array
 * whose keys are 0, 1, 2… in order prints as a JSON list (so `{}` prints as `[]`).
 */
export function phpJsonEncode(node: JsonNode): string {
  switch (node.kind) {
    case 'string':
      return phpString(node.value);
    case 'number':
      return phpNumber(node.raw);
    case 'literal':
      return String(node.value);
    case 'array':
      return `[${node.items.map(phpJsonEncode).join(',')}]`;
    case 'object': {
      // A later duplicate key replaces the value and keeps the first one's place, as in a PHP array.
      const entries = new Map<string, { key: PhpKey; value: JsonNode }>();
      for (const m of node.members) {
        const key = phpArrayKey(m.key);
        const id = `${key.kind}:${key.text}`;
        const existing = entries.get(id);
        if (existing) existing.value = m.value;
        else entries.set(id, { key, value: m.value });
      }
      const list = [...entries.values()];
      if (list.every((e, i) => e.key.kind === 'int' && e.key.text === String(i))) {
        return `[${list.map((e) => phpJsonEncode(e.value)).join(',')}]`;
      }
      return `{${list.map((e) => `${phpString(e.key.text)}:${phpJsonEncode(e.value)}`).join(',')}}`;
    }
  }
}

interface PhpKey {
  readonly kind: 'int' | 'string';
  readonly text: string;
}

const int64Max = 9223372036854775807n;
const int64Min = -9223372036854775808n;

/** PHP turns a key that is a canonical decimal integer within its integer range into an integer key. */
function phpArrayKey(key: string): PhpKey {
  if (/^(0|-?[1-9]\d*)$/.test(key) && key.length <= 20) {
    const value = BigInt(key);
    if (value >= int64Min && value <= int64Max) return { kind: 'int', text: key };
  }
  return { kind: 'string', text: key };
}

/** A string as PHP's json_encode writes it without flags: `\/`, and `\uXXXX` (lowercase) beyond ASCII. */
export function phpString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x2f) out += '\\/';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20 || c > 0x7f) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += value[i];
  }
  return `${out}"`;
}

/**
 * A number as PHP re-encodes what json_decode read: integers within 64 bits as written (`-0` as `0`);
 * every other number is a double, printed with the shortest round-trip digits (serialize_precision
 * -1), in exponent form (`1.0e+25`) when its decimal exponent is below -4 or above 16.
 */
export function phpNumber(raw: string): string {
  if (/^-?\d+$/.test(raw)) {
    const value = BigInt(raw);
    if (value >= int64Min && value <= int64Max) return value.toString();
  }
  const value = Number(raw);
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const sign = value < 0 ? '-' : '';
  const [mantissa = '', exponentText = '0'] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  const point = exponent + 1; // where the decimal point goes, counted in digits from the left
  if (point < -3 || point > 17) {
    return `${sign}${digits[0] ?? '0'}.${digits.slice(1) || '0'}e${exponent < 0 ? '-' : '+'}${Math.abs(exponent)}`;
  }
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
