import type { CachedDocument } from './cached-document.js';

const parsed = new WeakMap<Buffer, Record<string, unknown>>();

/**
 * The parsed JSON object of a cached document, parsed once per body. The cache only stores bodies
 * that parsed as objects, so this never throws for a document it returns.
 */
export function jsonOf(doc: CachedDocument): Record<string, unknown> {
  let value = parsed.get(doc.body);
  if (value === undefined) {
    const raw: unknown = doc.body.length === 0 ? {} : JSON.parse(doc.body.toString('utf8'));
    value = isObject(raw) ? raw : {};
    parsed.set(doc.body, value);
  }
  return value;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Records the parse already done when the document was validated. */
export function rememberJson(body: Buffer, value: Record<string, unknown>): void {
  parsed.set(body, value);
}
