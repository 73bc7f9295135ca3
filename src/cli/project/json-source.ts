import { printParseErrorCode, visit, type ParseOptions } from 'jsonc-parser';
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

/** Strict JSON, as composer.json is: no comments, no trailing commas, no empty document. */
const strict: ParseOptions = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false };

/** An object or array being read: its node (whose end is known at its closing bracket) and how to add to it. */
interface Open {
  readonly node: { end: number };
  readonly kind: 'object' | 'array';
  readonly add: (value: JsonNode) => void;
}

/**
 * Parses `text` as strict JSON (RFC 8259, as PHP's json_decode accepts it: no comments, no trailing
 * commas, no unpaired surrogate escapes, at most 512 levels deep). A syntax error is a VALIDATION
 * error naming `file`, the line and the column.
 *
 * jsonc-parser's `visit` reads the text and its events build the nodes here, so the first error (or
 * the 513th level) stops the reading; `parseTree` would go on recursing, and run out of stack in a
 * document nested some thousands deep.
 */
export function parseJsonSource(text: string, file: string): JsonNode {
  const fail = (what: string, at: number): never => {
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    throw invalid(`${file} is not valid JSON: ${what} at line ${line}, column ${column}`);
  };

  let root: JsonNode | undefined;
  let key = '';
  const open: Open[] = [];
  const add = (value: JsonNode): void => {
    const parent = open.at(-1);
    if (parent) parent.add(value);
    else root = value;
  };
  const begin = (node: JsonObject | JsonArray, addTo: (value: JsonNode) => void): void => {
    if (open.length >= maxDepth) fail(`nesting deeper than ${maxDepth} levels`, node.start);
    add(node);
    open.push({ node, kind: node.kind, add: addTo });
  };
  const end = (offset: number, length: number): void => {
    const top = open.pop();
    if (top) top.node.end = offset + length;
  };
  const string = (value: string, offset: number, length: number): JsonString => {
    if (unpairedSurrogate.test(value)) fail('unpaired UTF-16 surrogate escape', offset + unpairedEscapeAt(text.slice(offset, offset + length)));
    return { kind: 'string', value, start: offset, end: offset + length };
  };

  visit(
    text,
    {
      onObjectBegin: (offset) => {
        const members: Array<{ key: string; value: JsonNode }> = [];
        begin({ kind: 'object', members, start: offset, end: offset }, (value) => members.push({ key, value }));
      },
      onArrayBegin: (offset) => {
        const items: JsonNode[] = [];
        begin({ kind: 'array', items, start: offset, end: offset }, (value) => items.push(value));
      },
      onObjectEnd: end,
      onArrayEnd: end,
      onObjectProperty: (property, offset, length) => {
        key = string(property, offset, length).value;
      },
      onLiteralValue: (value: unknown, offset, length) => {
        const span = { start: offset, end: offset + length };
        if (typeof value === 'string') add(string(value, offset, length));
        else if (typeof value === 'number') add({ kind: 'number', raw: text.slice(offset, offset + length), ...span });
        else add({ kind: 'literal', value: value as boolean | null, ...span });
      },
      onError: (error, offset, length) => {
        const [what, at] = describeError(printParseErrorCode(error), text, offset, length, open.at(-1)?.kind);
        fail(what, at);
      },
    },
    strict,
  );
  // Without an error, visit has seen exactly one value.
  return root as JsonNode;
}

/** A lone surrogate (a paired one is one code point to a `u` regular expression). */
const unpairedSurrogate = /\p{Cs}/u;

/** The offset, in a string token, of its first escaped UTF-16 surrogate that has no partner. */
function unpairedEscapeAt(token: string): number {
  let high: number | undefined; // where an escaped high surrogate waits for its low half
  for (const escape of token.matchAll(/\\(?:u([0-9A-Fa-f]{4})|.)/gs)) {
    const unit = escape[1] === undefined ? -1 : parseInt(escape[1], 16);
    const isLow = unit >= 0xdc00 && unit <= 0xdfff;
    if (high !== undefined) {
      if (!isLow || escape.index !== high + 6) return high;
      high = undefined;
    } else if (isLow) {
      return escape.index;
    } else if (unit >= 0xd800 && unit <= 0xdbff) {
      high = escape.index;
    }
  }
  return high ?? 0;
}

/** What the error jsonc-parser reports at the token `offset`/`length` means, and where exactly it is. */
function describeError(code: string, text: string, offset: number, length: number, inside: 'object' | 'array' | undefined): [string, number] {
  const token = text.slice(offset, offset + length);
  // Printable ASCII as it is written; anything else (a BOM, a no-break space) by its code point.
  const unexpected = (at: number, shown = text[at]): string => {
    if (shown === undefined) return 'unexpected end of file';
    if (/^[\x21-\x7e]+$/.test(shown)) return `unexpected ${JSON.stringify(shown)}`;
    return `unexpected character U+${text.charCodeAt(at).toString(16).toUpperCase().padStart(4, '0')}`;
  };
  switch (code) {
    case 'InvalidSymbol':
      return [unexpected(offset, token), offset];
    case 'PropertyNameExpected':
      return [`${unexpected(offset)} where a member name was expected`, offset];
    case 'ColonExpected':
      return [`${unexpected(offset)} where ":" was expected`, offset];
    case 'CommaExpected':
      return [`${unexpected(offset)} where "," or "${inside === 'array' ? ']' : '}'}" was expected`, offset];
    case 'CloseBraceExpected': // at the end of the file
      return [`${unexpected(offset)} where "," or "}" was expected`, offset];
    case 'CloseBracketExpected':
      return [`${unexpected(offset)} where "," or "]" was expected`, offset];
    case 'EndOfFileExpected':
      return [`${unexpected(offset)} after the document`, offset];
    case 'InvalidCommentToken':
    case 'UnexpectedEndOfComment':
      return ['a comment (JSON allows none)', offset];
    case 'InvalidNumberFormat':
    case 'UnexpectedEndOfNumber':
      return [`invalid number ${JSON.stringify(token)}`, offset];
    case 'UnexpectedEndOfString':
      // The string stops at a line break inside it, or at the end of the file.
      return offset + length < text.length ? ['control character in a string', offset + length] : ['unterminated string', offset];
    case 'InvalidCharacter':
      return ['control character in a string', offset + Math.max(0, token.split('').findIndex((c) => c < ' '))];
    case 'InvalidEscapeCharacter':
    case 'InvalidUnicode': {
      const bad = [...token.matchAll(/\\(?:u[0-9A-Fa-f]{4}|["\\/bfnrt])|\\/g)].find((m) => m[0].length === 1);
      return [code === 'InvalidUnicode' ? 'invalid \\u escape' : 'invalid escape in a string', offset + (bad?.index ?? 0)];
    }
    default: // ValueExpected
      return [unexpected(offset), offset];
  }
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
