import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startStack, type TestStack } from '../helpers/repogate.js';

/** repogate in front of the mock, with metadata that goes stale at once (TTL 0) unless told otherwise. */
const setup = (env: Record<string, string> = {}): Promise<TestStack> =>
  startStack({ env: { REPOGATE_METADATA_TTL_SECONDS: '0', REPOGATE_UPSTREAM_TIMEOUT_SECONDS: '1', ...env }, grants: ['everything'] });

describe('metadata cache behaviour', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  before(async () => {
    s = await setup();
  });
  after(() => s.close());

  const get = async (path: string): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> => {
    const response = await fetch(`${s.repogate.url}${path}`, { headers: { authorization: s.key.authorization } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
  };
  /** A package no other test asks for, so it is certainly not cached. */
  const never = (i: number): string => s.upstream.packages.names().filter((n) => /^magento\/module-[ab]/.test(n))[i]!;
  const upstreamHits = (path: string): number => s.upstream.count((r) => r.path === path);

  test('stale entries are revalidated with If-Modified-Since, and a 304 keeps the cached body', async () => {
    assert.equal((await get('/p2/magento/module-customer.json')).status, 200);
    s.upstream.resetRequests();
    const again = await get('/p2/magento/module-customer.json');
    assert.equal(again.status, 200);
    const revalidations = s.upstream.requests.filter((r) => r.path === '/p2/magento/module-customer.json');
    assert.equal(revalidations.length, 1);
    assert.ok(revalidations[0]!.ifModifiedSince, 'sent If-Modified-Since');
    assert.equal(revalidations[0]!.status, 304);
  });

  test('a new upstream version shows up after revalidation', async () => {
    await get('/p2/mageplaza/module-core.json');
    s.upstream.addVersion('mageplaza/module-core', '9.9.9');
    const body = (await get('/p2/mageplaza/module-core.json')).body as { packages: Record<string, Array<{ version?: string }>> };
    assert.ok(body.packages['mageplaza/module-core']!.some((v) => v.version === '9.9.9'));
  });

  const modes = ['5xx', 'down', 'reset', 'hang', 'truncated-json', 'invalid-json'] as const;
  for (const [i, mode] of modes.entries()) {
    test(`upstream failure "${mode}": cached metadata is served stale, uncached metadata is a clear 502/504`, async () => {
      assert.equal((await get('/p2/magento/module-theme.json')).status, 200);
      await s.upstream.setFailure(mode, (path) => path.startsWith('/p2/'));
      try {
        const stale = await get('/p2/magento/module-theme.json');
        assert.equal(stale.status, 200, `stale served through ${mode}`);
        const fresh = await get(`/p2/${never(i)}.json`);
        assert.ok(fresh.status === 502 || fresh.status === 504, `uncached through ${mode} → ${fresh.status}`);
        assert.match(String(fresh.body['code']), /^UPSTREAM_/);
        assert.ok(String(fresh.body['warning']).length > 10);
      } finally {
        await s.upstream.setFailure('none');
      }
      // nothing bad was cached: the same path works once the upstream is back
      assert.equal((await get(`/p2/${never(i)}.json`)).status, 200);
    });
  }

  test('an upstream 401 on the organisation keys is a 502, logged loudly, and its challenge is not passed on', async () => {
    await s.upstream.setFailure('auth-401');
    try {
      const response = await fetch(`${s.repogate.url}/p2/magento/module-wishlist.json`, { headers: { authorization: s.key.authorization } });
      assert.equal(response.status, 502);
      assert.equal(response.headers.get('www-authenticate'), null);
      assert.equal(((await response.json()) as { code: string }).code, 'UPSTREAM_AUTH');
      assert.ok(s.repogate.logs.some((line) => line.includes('UPSTREAM REFUSED THE ORGANISATION KEYS')));
    } finally {
      await s.upstream.setFailure('none');
    }
  });

  test('200 concurrent requests for one uncached file make one upstream request', async () => {
    s.upstream.setLatency(200);
    try {
      s.upstream.resetRequests();
      const responses = await Promise.all(
        Array.from({ length: 200 }, () => fetch(`${s.repogate.url}/p2/magento/module-review.json`, { headers: { authorization: s.key.authorization } })),
      );
      for (const response of responses) {
        assert.equal(response.status, 200);
        await response.arrayBuffer();
      }
      assert.equal(upstreamHits('/p2/magento/module-review.json'), 1);
    } finally {
      s.upstream.setLatency(0);
    }
  });
});

describe('fresh metadata is not refetched', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  before(async () => {
    s = await setup({ REPOGATE_METADATA_TTL_SECONDS: '300' });
  });
  after(() => s.close());

  test('within the TTL the upstream is asked once, and a 304 to the client needs no upstream at all', async () => {
    const url = `${s.repogate.url}/p2/magento/module-checkout.json`;
    const first = await fetch(url, { headers: { authorization: s.key.authorization } });
    const lastModified = first.headers.get('last-modified')!;
    await first.arrayBuffer();
    s.upstream.resetRequests();
    for (let i = 0; i < 3; i++) {
      const r = await fetch(url, { headers: { authorization: s.key.authorization, 'if-modified-since': lastModified } });
      assert.equal(r.status, 304);
    }
    const gz = await fetch(url, { headers: { authorization: s.key.authorization, 'accept-encoding': 'gzip' } });
    assert.equal(gz.status, 200);
    await gz.arrayBuffer();
    assert.equal(s.upstream.count(), 0);
  });
});
