import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { BoundCounter, BoundHistogram } from '../../src/metrics/bound-metrics.js';

// The bound series replace prom-client's Counter and Histogram on the request path; a scrape must
// not be able to tell the difference.
describe('bound metrics', () => {
  const buckets = [0.0005, 0.001, 0.01, 0.1, 1];
  const observations = [0, 0.0005, 0.0007, 0.001, 0.02, 0.1, 0.5, 3, 120];

  function pair(): { ours: Registry; theirs: Registry; observe: (labels: { listener: string; route: string }, v: number) => void; inc: (labels: { code: string }, n?: number) => void } {
    const ours = new Registry();
    const theirs = new Registry();
    const h1 = new BoundHistogram({ name: 'x_duration_seconds', help: 'how long', labelNames: ['listener', 'route'], buckets, registers: [ours] });
    const h2 = new Histogram({ name: 'x_duration_seconds', help: 'how long', labelNames: ['listener', 'route'], buckets, registers: [theirs] });
    const c1 = new BoundCounter({ name: 'x_refusals_total', help: 'refused', labelNames: ['code'], registers: [ours] });
    const c2 = new Counter({ name: 'x_refusals_total', help: 'refused', labelNames: ['code'], registers: [theirs] });
    return {
      ours,
      theirs,
      observe: (labels, v) => {
        h1.child(labels).observe(v);
        h2.observe(labels, v);
      },
      inc: (labels, n) => {
        c1.inc(labels, n);
        c2.inc(labels, n);
      },
    };
  }

  test('a scrape reads the same text as from prom-client for the same observations', async () => {
    const { ours, theirs, observe, inc } = pair();
    for (const v of observations) observe({ listener: 'composer', route: 'p2' }, v);
    observe({ listener: 'admin', route: 'api' }, 0.003);
    inc({ code: 'AUTH_INVALID' });
    inc({ code: 'AUTH_INVALID' }, 2);
    inc({ code: 'RATE_LIMITED' });
    const text = await ours.metrics();
    assert.equal(text, await theirs.metrics());
    assert.match(text, /x_duration_seconds_bucket\{le="0.001",listener="composer",route="p2"\} 4/);
    assert.match(text, /x_duration_seconds_count\{listener="composer",route="p2"\} 9/);
    assert.match(text, /x_refusals_total\{code="AUTH_INVALID"\} 3/);
  });

  test('a bound child keeps counting into the same series, and a reset zeroes it', async () => {
    const { ours } = pair();
    const histogram = ours.getSingleMetric('x_duration_seconds') as unknown as BoundHistogram<'listener' | 'route'>;
    const child = histogram.child({ listener: 'composer', route: 'p2' });
    child.observe(0.002);
    assert.equal(histogram.child({ listener: 'composer', route: 'p2' }), child);
    histogram.observe({ listener: 'composer', route: 'p2' }, 0.2);
    assert.match(await ours.metrics(), /x_duration_seconds_count\{listener="composer",route="p2"\} 2/);
    ours.resetMetrics();
    child.observe(0.002);
    assert.match(await ours.metrics(), /x_duration_seconds_count\{listener="composer",route="p2"\} 1/);
  });
});
