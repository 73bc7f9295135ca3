/** One range of bytes, both ends included (RFC 9110 §14.1.1). */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** What the representation's validators are, for `If-Range`. */
export interface RangeValidators {
  readonly etag?: string | undefined;
  readonly lastModified?: string | undefined;
}

const single = /^bytes=(\d*)-(\d*)$/;

/**
 * The one range a request asks of a representation of `size` bytes (RFC 9110 §14.2): undefined
 * when the whole of it is to be sent (no `Range`, one the server may ignore — several ranges, another
 * unit, a malformed one — or an `If-Range` that no longer matches), 'unsatisfiable' when the range
 * starts past the end (answered 416).
 */
export function requestedRange(range: string | undefined, ifRange: string | undefined, size: number, validators: RangeValidators): ByteRange | 'unsatisfiable' | undefined {
  if (range === undefined) return undefined;
  if (ifRange !== undefined && !ifRangeHolds(ifRange.trim(), validators)) return undefined;
  const match = single.exec(range.replace(/\s+/g, ''));
  if (match === null) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '') {
    // A suffix: the last N bytes.
    if (last === '') return undefined;
    const length = Number(last);
    if (length === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Number.MAX_SAFE_INTEGER : Number(last);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}

/** `If-Range` holds for a strong entity tag equal to the current one, or the exact Last-Modified date. */
function ifRangeHolds(ifRange: string, validators: RangeValidators): boolean {
  if (ifRange.startsWith('"') || ifRange.startsWith('W/')) return validators.etag !== undefined && ifRange === validators.etag;
  return validators.lastModified !== undefined && ifRange === validators.lastModified;
}
