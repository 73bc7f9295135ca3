import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { startStack, type TestStack } from '../helpers/repogate.js';

/**
 * The warm `/p2/` lane keeps a rendering for a second; after that, a request of a key it allowed
 * before is answered from what this process holds fresh in memory, without a promise
 * (`SourceSet.peekResolve`, `UpstreamRepository.peekLookup`). Once the document's freshness has ended, the upstream must be
 * asked again, as on any other path.
 */
void describe('warm metadata from memory after the kept rendering has lapsed', () => {
  let stack: TestStack;
  const path = '/p2/magento/module-catalog.json';

  before(async () => {
    stack = await startStack({ grants: ['open-source'], env: { REPOGATE_METADATA_TTL_SECONDS: '3' } });
  });
  after(() => stack.close());

  const get = async (): Promise<{ status: number; body: string }> => {
    const response = await fetch(`${stack.repogate.url}${path}`, { headers: { authorization: stack.key.authorization } });
    return { status: response.status, body: await response.text() };
  };
  const asked = (): number => stack.upstream.count((r) => r.path === path);

  void test('the same answer while fresh without asking the upstream, and a revalidation once it is not', async () => {
    const first = await get();
    assert.equal(first.status, 200);
    assert.equal(asked(), 1);
    // The key was made just before: once the registry poll has seen it (every 250 ms, and any change
    // empties what the lane remembers), the lane remembers what it was allowed.
    await delay(400);
    assert.equal((await get()).body, first.body);
    // Past the second the lane keeps a rendering, inside the document's three seconds of freshness.
    await delay(1200);
    for (let i = 0; i < 3; i++) {
      const again = await get();
      assert.equal(again.status, 200);
      assert.equal(again.body, first.body);
    }
    assert.equal(asked(), 1, 'fresh in memory: the upstream is not asked');
    await delay(2000);
    const later = await get();
    assert.equal(later.status, 200);
    assert.equal(later.body, first.body);
    assert.equal(asked(), 2, 'no longer fresh: the upstream is asked again');

    const outcomes = (): Array<string | undefined> =>
      stack.repogate.logs
        .map((l) => JSON.parse(l) as { msg: string; path?: string; cache?: string })
        .filter((l) => l.msg === 'request' && l.path === path)
        .map((l) => l.cache);
    for (let i = 0; outcomes().length < 6 && i < 50; i++) await delay(20);
    assert.deepEqual(outcomes().slice(0, 5), ['miss', 'hit', 'hit', 'hit', 'hit']);
  });
});
