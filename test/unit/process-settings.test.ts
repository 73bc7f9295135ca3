import assert from 'node:assert/strict';
import { constants, performance, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { describe, test } from 'node:test';
import { collectEveryBytes, collectStreamingGarbage, streamed } from '../../src/http/streaming-garbage.js';
import { applyServerProcessSettings } from '../../src/process-settings.js';
import { waitFor } from '../helpers/wait-for.js';

const MiB = 1024 * 1024;

/**
 * Archive streams report their bytes, and the server asks V8 for a young-generation collection every
 * 8 MiB streamed: what keeps a 1 GiB transfer's memory flat (bench/README.md, "Memory").
 */
void describe('garbage of streamed archives', () => {
  test('a young-generation collection is asked for every 8 MiB streamed, and none without a collector', () => {
    assert.equal(collectEveryBytes, 8 * MiB);
    const asked: unknown[] = [];
    collectStreamingGarbage((options) => asked.push(options));
    for (let i = 0; i < 7; i++) streamed(MiB);
    assert.equal(asked.length, 0, '7 MiB streamed: not yet');
    streamed(MiB);
    assert.deepEqual(asked, [{ type: 'minor' }]);
    for (let i = 0; i < 64; i++) streamed(256 * 1024);
    assert.equal(asked.length, 3, '24 MiB streamed in all: three collections');
    collectStreamingGarbage(undefined);
    streamed(64 * MiB);
    assert.equal(asked.length, 3, 'without a collector nothing is asked');
  });

  test("the server's settings hand streams V8's own collector, without a global gc", async () => {
    applyServerProcessSettings();
    assert.equal(typeof globalThis.gc, 'undefined', 'gc is not put on the global object');
    const entries: PerformanceEntry[] = [];
    const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()));
    observer.observe({ entryTypes: ['gc'] });
    try {
      const before = performance.now();
      streamed(collectEveryBytes);
      const after = performance.now();
      // Entries are delivered asynchronously; the collection itself ran inside the call.
      const minorDuringCall = (): boolean =>
        entries.some((e) => (Reflect.get(e, 'detail') as { kind?: number } | undefined)?.kind === constants.NODE_PERFORMANCE_GC_MINOR && e.startTime >= before && e.startTime <= after);
      await waitFor(minorDuringCall, { what: 'a young-generation collection during the call that reported 8 MiB' });
    } finally {
      observer.disconnect();
      collectStreamingGarbage(undefined);
    }
  });
});
