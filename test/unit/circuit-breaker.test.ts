import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { CircuitBreaker } from '../../src/upstream/circuit-breaker.js';

/** A breaker on a clock the test moves by hand. */
function breakerAt(failureThreshold = 3, openMs = 10_000): { breaker: CircuitBreaker; advance: (ms: number) => void } {
  let now = 1_700_000_000_000;
  const breaker = new CircuitBreaker({ failureThreshold, openMs, now: () => now });
  return { breaker, advance: (ms) => (now += ms) };
}

function fail(breaker: CircuitBreaker, times: number): void {
  for (let i = 0; i < times; i++) {
    assert.equal(breaker.admit(), 0, 'a request is let through while closed');
    breaker.failed();
  }
}

void describe('circuit breaker', () => {
  void test('starts closed and lets every request through', () => {
    const { breaker } = breakerAt();
    assert.equal(breaker.state, 'closed');
    for (let i = 0; i < 100; i++) assert.equal(breaker.admit(), 0);
  });

  void test('opens after the configured number of consecutive failures, not before', () => {
    const { breaker } = breakerAt(3);
    fail(breaker, 2);
    assert.equal(breaker.state, 'closed');
    fail(breaker, 1);
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.admit(), 10_000, 'refused, with the whole cool-down to wait');
  });

  void test('a success in between starts the count again', () => {
    const { breaker } = breakerAt(3);
    fail(breaker, 2);
    breaker.succeeded();
    fail(breaker, 2);
    assert.equal(breaker.state, 'closed');
    fail(breaker, 1);
    assert.equal(breaker.state, 'open');
  });

  void test('while open, requests are refused with the time left, which counts down', () => {
    const { breaker, advance } = breakerAt(1, 10_000);
    fail(breaker, 1);
    advance(2_500);
    assert.equal(breaker.admit(), 7_500);
    advance(7_499);
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.admit(), 1);
  });

  void test('after the cool-down it half-opens: one probe goes, the others wait for it', () => {
    const { breaker, advance } = breakerAt(2, 5_000);
    fail(breaker, 2);
    advance(5_000);
    assert.equal(breaker.state, 'half-open');
    assert.equal(breaker.admit(), 0, 'the probe');
    assert.ok(breaker.admit() > 0, 'a second request while the probe is out');
    assert.ok(breaker.admit() > 0);
  });

  void test('a successful probe closes it, and it takes the full count of failures to open again', () => {
    const { breaker, advance } = breakerAt(3, 5_000);
    fail(breaker, 3);
    advance(5_000);
    assert.equal(breaker.admit(), 0);
    breaker.succeeded();
    assert.equal(breaker.state, 'closed');
    fail(breaker, 2);
    assert.equal(breaker.state, 'closed');
    fail(breaker, 1);
    assert.equal(breaker.state, 'open');
  });

  void test('a failed probe opens it again at once, for a whole new cool-down', () => {
    const { breaker, advance } = breakerAt(3, 5_000);
    fail(breaker, 3);
    advance(6_000);
    assert.equal(breaker.admit(), 0);
    breaker.failed();
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.admit(), 5_000);
    advance(5_000);
    assert.equal(breaker.state, 'half-open');
    assert.equal(breaker.admit(), 0, 'and then one probe again');
  });

  void test('without an injected clock it runs on Date.now (fake timers)', (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    try {
      const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 30_000 });
      breaker.failed();
      assert.equal(breaker.state, 'open');
      t.mock.timers.tick(29_999);
      assert.equal(breaker.admit(), 1);
      t.mock.timers.tick(1);
      assert.equal(breaker.state, 'half-open');
      assert.equal(breaker.admit(), 0);
      breaker.succeeded();
      assert.equal(breaker.state, 'closed');
    } finally {
      t.mock.timers.reset();
    }
  });

  void test('property: whatever happened, a refusal never asks to wait longer than the cool-down, and a success closes it', () => {
    const step = fc.oneof(
      fc.constant({ kind: 'fail' as const }),
      fc.constant({ kind: 'succeed' as const }),
      fc.constant({ kind: 'admit' as const }),
      fc.integer({ min: 0, max: 20_000 }).map((ms) => ({ kind: 'advance' as const, ms })),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 15_000 }), fc.array(step, { maxLength: 60 }), (threshold, openMs, steps) => {
        const { breaker, advance } = breakerAt(threshold, openMs);
        let consecutive = 0;
        for (const s of steps) {
          if (s.kind === 'fail') {
            breaker.failed();
            consecutive++;
          } else if (s.kind === 'succeed') {
            breaker.succeeded();
            consecutive = 0;
            assert.equal(breaker.state, 'closed');
          } else if (s.kind === 'advance') {
            advance(s.ms);
          } else {
            const wait = breaker.admit();
            assert.ok(wait >= 0 && wait <= openMs, `waits ${wait} ms`);
            if (breaker.state === 'closed') assert.equal(wait, 0);
          }
          if (consecutive < threshold) assert.equal(breaker.state, 'closed', 'fewer failures than the threshold never open it');
        }
      }),
      { numRuns: 1000 },
    );
  });
});
