import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { waitFor, waitForValue } from '../helpers/wait-for.js';

void describe('the waitFor test helper', () => {
  void test('resolves as soon as the condition holds', async () => {
    let checks = 0;
    await waitFor(() => ++checks >= 3, { what: 'three checks', intervalMs: 1 });
    assert.equal(checks, 3);
  });

  void test('fails naming what it waited for', async () => {
    await assert.rejects(waitFor(() => false, { what: 'the moon', timeoutMs: 30 }), /timed out after 30 ms waiting for the moon$/);
    let seen = 0;
    await assert.rejects(
      waitFor(() => ++seen < 0, { what: () => `a negative count (last ${seen})`, timeoutMs: 20 }),
      (error: Error) => error.message.endsWith(`waiting for a negative count (last ${seen})`),
    );
  });

  void test('an error in a check fails at once, unless errors are to be retried', async () => {
    let checks = 0;
    const failing = (): boolean => {
      checks++;
      throw new Error('not listening');
    };
    await assert.rejects(waitFor(failing, { what: 'x', timeoutMs: 1000 }), /^Error: not listening$/);
    assert.equal(checks, 1);
    await assert.rejects(waitFor(failing, { what: 'x', timeoutMs: 20, retryErrors: true }), /waiting for x \(last check threw: not listening\)/);
    assert.ok(checks > 2);
  });

  void test('waitForValue resolves to the first value found', async () => {
    let n = 0;
    assert.equal(await waitForValue(async () => (++n === 4 ? `found at ${n}` : undefined), { what: 'n = 4', intervalMs: 1 }), 'found at 4');
    assert.equal(await waitForValue(() => 0, { what: 'zero' }), 0, 'falsy values count as found');
  });
});
