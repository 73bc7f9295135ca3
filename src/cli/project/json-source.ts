import { invalid } from '../../errors.js';

/**
 * A JSON document read without losing anything: objects keep their members in file order (also
 * duplicate and integer-like keys), numbers keep their source text, and every value knows where it
 * is in the text. That lets `migrate-project` change a few string values in place and leave every
 * other byte of composer.json and composer.lock as it was.
 */
export type JsonNode = JsonObject | JsonArray | JsonString | JsonNumber | JsonLiteral;

interface Span {
  /** Offset of the value's first character in the text. */
  readonly start: number;
  /** Offset just past the value's last character. */
  readonly end: number;
}

export interface JsonObject extends Span {
  readonly kind: 'object';
  readonly members: ReadonlyArray<{ readonly key: string; readonly value: JsonNode }>;
}
export interface JsonArray extends Span {
  readonly kind: 'array';
  readonly items: readonly JsonNode[];
}
export interface JsonString extends Span {
  readonly kind: 'string';
  readonly value: string;
}
export interface JsonNumber extends Span {
  readonly kind: 'number';
  /** The number exactly as written. */
  readonly raw: string;
}
export interface JsonLiteral extends Span {
  readonly kind: 'literal';
  readonly value: true | false | null;
}

/** PHP's json_decode refuses documents nested deeper than this (its default depth). */
const maxDepth = 512;

/**
 * Parses `text` as strict JSON (RFC 8259, as PHP's json_decode accepts it: no comments, no trailing
 * commas, no unpaired surrogate escapes). A syntax error is a VALIDATION error naming `file`, the
 * line and the column.
 */
export function parseJsonSource(text: string, file: string): JsonNode {
  let pos = 0;

  const fail = (what: string, at = pos): never => {
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    throw invalid(`${file} is not valid JSON: ${what} at line ${line}, column ${column}`);
  };
  const skipSpace = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      pos++;
    }
  };
  const describe = (at: number): string => (at >= text.length ? 'unexpected end of file' : `unexpected ${JSON.stringify(text[at])}`);

  const parseString = (): JsonString => {
    const start = pos;
    pos++; // the opening quote
    let value = '';
    let chunkStart = pos;
    for (;;) {
      if (pos >= text.length) fail('unterminated string', start);
      const c = text.charCodeAt(pos);
      if (c === 0x22) break;
      if (c < 0x20) fail('control character in a string');
      if (c !== 0x5c) {
        pos++;
        continue;
      }
      value += text.slice(chunkStart, pos);
      const escape = text[pos + 1];
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (escape !== undefined && simple[escape] !== undefined) {
        value += simple[escape];
        pos += 2;
      } else if (escape === 'u') {
        const unit = readUnit(pos);
        pos += 6;
        if (unit >= 0xd800 && unit <= 0xdbff) {
          const low = text.startsWith('\\u', pos) ? readUnit(pos) : -1;
          if (low < 0xdc00 || low > 0xdfff) fail('unpaired UTF-16 surrogate escape', pos - 6);
          value += String.fromCharCode(unit, low);
          pos += 6;
        } else if (unit >= 0xdc00 && unit <= 0xdfff) {
          fail('unpaired UTF-16 surrogate escape', pos - 6);
        } else {
          value += String.fromCharCode(unit);
        }
      } else {
        fail('invalid escape in a string');
      }
      chunkStart = pos;
    }
    value += text.slice(chunkStart, pos);
    pos++; // the closing quote
    return { kind: 'string', value, start, end: pos };
  };
  const readUnit = (at: number): number => {
    const hex = text.slice(at + 2, at + 6);
    if (!/^[0-9A-Fa-f]{4}$/.test(hex)) fail('invalid \\u escape', at);
    return parseInt(hex, 16);
  };

  const parseValue = (depth: number): JsonNode => {
    skipSpace();
    const start = pos;
    const c = text[pos];
    if (c === '"') return parseString();
    if (c === '{' || c === '[') {
      if (depth >= maxDepth) fail(`nesting deeper than ${maxDepth} levels`);
      pos++;
      return c === '{' ? parseObject(start, depth + 1) : parseArray(start, depth + 1);
    }
    const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    number.lastIndex = pos;
    const match = number.exec(text);
    if (match !== null && match[0] !== '-') {
      pos += match[0].length;
      return { kind: 'number', raw: match[0], start, end: pos };
    }
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return { kind: 'literal', value, start, end: pos };
      }
    }
    return fail(describe(pos));
  };

  const parseObject = (start: number, depth: number): JsonObject => {
    const members: Array<{ key: string; value: JsonNode }> = [];
    skipSpace();
    if (text[pos] === '}') {
      pos++;
      return { kind: 'object', members, start, end: pos };
    }
    for (;;) {
      skipSpace();
      if (text[pos] !== '"') fail(`${describe(pos)} where a member name was expected`);
      const key = parseString().value;
      skipSpace();
      if (text[pos] !== ':') fail(`${describe(pos)} where ":" was expected`);
      pos++;
      members.push({ key, value: parseValue(depth) });
      skipSpace();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (text[pos] === '}') {
        pos++;
        return { kind: 'object', members, start, end: pos };
      }
      fail(`${describe(pos)} where "," or "}" was expected`);
    }
  };

  const parseArray = (start: number, depth: number): JsonArray => {
    const items: JsonNode[] = [];
    skipSpace();
    if (text[pos] === ']') {
      pos++;
      return { kind: 'array', items, start, end: pos };
    }
    for (;;) {
      items.push(parseValue(depth));
      skipSpace();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (text[pos] === ']') {
        pos++;
        return { kind: 'array', items, start, end: pos };
      }
      fail(`${describe(pos)} where "," or "]" was expected`);
    }
  };

  const root = parseValue(0);
  skipSpace();
  if (pos < text.length) fail(`${describe(pos)} after the document`);
  return root;
}

/** The value of `key` in `node` when it is an object (the last one, as PHP reads duplicate keys). */
export function member(node: JsonNode | undefined, key: string): JsonNode | undefined {
  if (node?.kind !== 'object') return undefined;
  let found: JsonNode | undefined;
  for (const m of node.members) if (m.key === key) found = m.value;
  return found;
}

/** The string value of `key` in `node`, when it is a string. */
export function stringMember(node: JsonNode | undefined, key: string): JsonString | undefined {
  const value = member(node, key);
  return value?.kind === 'string' ? value : undefined;
}

/** One replacement of a value's text. */
export interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** Applies non-overlapping `edits` to `text`; everything outside them stays byte for byte. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const edit of sorted) {
    if (edit.start < at) throw new Error('overlapping edits');
    out += text.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  return out + text.slice(at);
}

/**
 * `value` as a JSON string in the style of the string it replaces: with `\/` when `previous` (the
 * replaced token's text) escaped a slash, as PHP's json_encode does by default, and plain `/` when it
 * did not, as Composer writes its files. Non-ASCII characters are kept as `\uXXXX` when `previous`
 * wrote any that way.
 */
export function encodeLike(value: string, previous: string): string {
  let encoded = JSON.stringify(value);
  if (previous.includes('\\/')) encoded = encoded.replaceAll('/', '\\/');
  if (/\\u[0-9A-Fa-f]{4}/.test(previous)) {
    encoded = encoded.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  return encoded;
}
