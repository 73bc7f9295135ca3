import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { requestedRange } from '../../src/http/byte-range.js';

const none = {};

void test('one range: first-last, open-ended, suffix; the end is cut to the size', () => {
  assert.deepEqual(requestedRange('bytes=0-99', undefined, 1000, none), { start: 0, end: 99 });
  assert.deepEqual(requestedRange('bytes=900-', undefined, 1000, none), { start: 900, end: 999 });
  assert.deepEqual(requestedRange('bytes=-100', undefined, 1000, none), { start: 900, end: 999 });
  assert.deepEqual(requestedRange('bytes=-5000', undefined, 1000, none), { start: 0, end: 999 });
  assert.deepEqual(requestedRange('bytes=990-5000', undefined, 1000, none), { start: 990, end: 999 });
});

void test('a range past the end is unsatisfiable; anything else the server may ignore gives the whole', () => {
  assert.equal(requestedRange('bytes=1000-', undefined, 1000, none), 'unsatisfiable');
  assert.equal(requestedRange('bytes=-0', undefined, 1000, none), 'unsatisfiable');
  for (const header of ['bytes=5-1', 'bytes=0-1,4-5', 'items=0-1', 'bytes=a-b', 'bytes=-', 'bytes=99999999999999999999-']) {
    assert.equal(requestedRange(header, undefined, 1000, none), undefined, header);
  }
  assert.equal(requestedRange(undefined, undefined, 1000, none), undefined);
});

void test('If-Range: the strong entity tag or the exact date, else the whole', () => {
  const validators = { etag: '"abc"', lastModified: 'Sun, 06 Dec 2026 10:00:00 GMT' };
  assert.deepEqual(requestedRange('bytes=0-1', '"abc"', 10, validators), { start: 0, end: 1 });
  assert.deepEqual(requestedRange('bytes=0-1', validators.lastModified, 10, validators), { start: 0, end: 1 });
  assert.equal(requestedRange('bytes=0-1', '"other"', 10, validators), undefined);
  assert.equal(requestedRange('bytes=0-1', 'W/"abc"', 10, validators), undefined);
  assert.equal(requestedRange('bytes=0-1', 'Mon, 07 Dec 2026 10:00:00 GMT', 10, validators), undefined);
});

void test('a satisfiable range always lies inside the representation', () => {
  fc.assert(
    fc.property(fc.nat(10_000), fc.string({ maxLength: 30 }), (size, spec) => {
      const range = requestedRange(`bytes=${spec}`, undefined, size, none);
      if (range === undefined || range === 'unsatisfiable') return;
      assert.ok(range.start >= 0 && range.start <= range.end && range.end < size);
    }),
  );
});
