import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { basic, createTestKey, startStack, type TestStack } from '../helpers/repogate.js';
import { waitForValue } from '../helpers/wait-for.js';

interface RawResponse {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A request sent exactly as given (no URL normalisation), as an attacker would. */
function raw(base: string, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

const setup = (env: Record<string, string> = {}): Promise<TestStack> => startStack({ env, grants: ['everything'] });

describe('brute force', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  before(async () => {
    s = await setup({ REPOGATE_AUTH_FAILURES_PER_KEY: '20', REPOGATE_AUTH_FAILURES_PER_ADDRESS: '300' });
  });
  after(() => s.close());

  test('60 wrong secrets against one public key meet 429 with Retry-After; another key from the same address keeps working', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 60; i++) {
      const response = await fetch(`${s.repogate.url}/packages.json`, { headers: { authorization: basic(s.key.publicKey, i.toString(16).padStart(32, '0')) } });
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
      await response.arrayBuffer();
    }
    assert.ok(statuses.slice(0, 20).every((st) => st === 401), 'the first failures are plain 401s');
    assert.equal(statuses.at(-1), 429);
    assert.ok(retryAfter !== null && Number(retryAfter) > 0, `Retry-After: ${retryAfter}`);
    // a further wrong secret for the attacked key waits until the window passes, its right one does not …
    assert.equal((await fetch(`${s.repogate.url}/packages.json`, { headers: { authorization: `Basic ${Buffer.from(`${s.key.publicKey}:x`).toString('base64')}` } })).status, 429);
    assert.equal((await fetch(`${s.repogate.url}/packages.json`, { headers: { authorization: s.key.authorization } })).status, 200);
    // … but another key from the same address is not
    const other = await createTestKey(s.repogate.registry, { accountId: s.key.accountId, keyName: 'colleague' });
    assert.equal((await fetch(`${s.repogate.url}/packages.json`, { headers: { authorization: other.authorization } })).status, 200);
  });
});

describe('circuit breaker and stale answers', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  before(async () => {
    s = await setup({ REPOGATE_METADATA_TTL_SECONDS: '0', REPOGATE_UPSTREAM_FAILURES_TO_OPEN: '3', REPOGATE_UPSTREAM_RETRY_SECONDS: '1' });
  });
  after(() => s.close());

  const get = (path: string): Promise<Response> => fetch(`${s.repogate.url}${path}`, { headers: { authorization: s.key.authorization } });

  test('stale answers say so with Warning and Age', async () => {
    await (await get('/p2/magento/module-email.json')).arrayBuffer();
    await s.upstream.setFailure('5xx');
    try {
      const response = await get('/p2/magento/module-email.json');
      assert.equal(response.status, 200);
      assert.match(response.headers.get('warning') ?? '', /^110 /);
      assert.ok(Number(response.headers.get('age')) >= 0);
    } finally {
      await s.upstream.setFailure('none');
    }
    assert.equal((await get('/p2/magento/module-email.json')).headers.get('warning'), null);
  });

  test('an upstream that keeps failing is left alone for a while, then probed again', async () => {
    await s.upstream.setFailure('5xx');
    s.upstream.resetRequests();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const response = await get(`/p2/magento/module-${['sitemap', 'search', 'rss', 'robots'][i % 4]}.json`);
      statuses.push(response.status);
      await response.arrayBuffer();
    }
    assert.ok(statuses.every((st) => st === 502), statuses.join(','));
    assert.ok(s.upstream.count() <= 4, `upstream asked ${s.upstream.count()} times while the circuit was open`);
    await s.upstream.setFailure('none');
    // The upstream is back, but the circuit stays open for its cool-down (1 s, the shortest there is)...
    const asked = s.upstream.count();
    const early = await get('/p2/magento/module-sitemap.json');
    await early.arrayBuffer();
    assert.equal(early.status, 502);
    assert.equal(s.upstream.count(), asked, 'the upstream is not asked before the cool-down is over');
    // ...then one probe is let through, and its success closes the circuit.
    const probe = await waitForValue(
      async () => {
        const response = await get('/p2/magento/module-sitemap.json');
        if (response.status !== 502) return response;
        await response.arrayBuffer();
        return undefined;
      },
      { what: 'a probe to be let through after the cool-down', timeoutMs: 3000, intervalMs: 50 },
    );
    assert.equal(probe.status, 200);
    assert.equal((await get('/p2/magento/module-search.json')).status, 200);
  });

  test('a slow upstream meets the deadline: the answer is a clear 504, not a hang', async () => {
    const slow = await setup({ REPOGATE_UPSTREAM_TIMEOUT_SECONDS: '1' });
    try {
      await slow.upstream.setFailure('hang', (p) => p.startsWith('/p2/'));
      const started = Date.now();
      const response = await fetch(`${slow.repogate.url}/p2/magento/module-cron.json`, { headers: { authorization: slow.key.authorization } });
      assert.equal(response.status, 504);
      assert.equal(((await response.json()) as { code: string }).code, 'UPSTREAM_TIMEOUT');
      assert.ok(Date.now() - started < 3000);
    } finally {
      await slow.close();
    }
  });

  test('archives: a hanging upstream is a 504 within the deadline, a cut body is never stored, one refused archive is a 404 without the upstream challenge', async () => {
    const a = await setup({ REPOGATE_UPSTREAM_TIMEOUT_SECONDS: '1' });
    try {
      const archive = async (name: string): Promise<{ url: string; shasum: string }> => {
        const meta = (await (await fetch(`${a.repogate.url}/p2/${name}.json`, { headers: { authorization: a.key.authorization } })).json()) as {
          packages: Record<string, Array<{ dist?: { url: string; shasum: string } }>>;
        };
        return meta.packages[name]![0]!.dist!;
      };
      const fetchArchive = (url: string): Promise<Response> => fetch(url, { headers: { authorization: a.key.authorization } });
      const sha1 = async (response: Response): Promise<string> => {
        const { createHash } = await import('node:crypto');
        return createHash('sha1').update(Buffer.from(await response.arrayBuffer())).digest('hex');
      };
      const isArchive = (p: string): boolean => p.startsWith('/archives/');

      const cron = await archive('magento/module-cron');
      await a.upstream.setFailure('hang', isArchive);
      const started = Date.now();
      const hung = await fetchArchive(cron.url);
      assert.equal(hung.status, 504);
      assert.equal(((await hung.json()) as { code: string }).code, 'UPSTREAM_TIMEOUT');
      assert.ok(Date.now() - started < 3000);

      const smtp = await archive('mageplaza/module-smtp');
      await a.upstream.setFailure('reset', isArchive);
      // Cut before or after the headers, depending on how far the body got: never a whole-looking answer.
      await assert.rejects(async () => {
        const cut = await fetchArchive(smtp.url);
        await cut.arrayBuffer();
      });
      await a.upstream.setFailure('none');
      const whole = await fetchArchive(smtp.url);
      assert.equal(whole.status, 200);
      assert.equal(await sha1(whole), smtp.shasum);

      // One archive refused is that archive not entitled upstream (test/integration/upstream-refusals.test.ts).
      const catalog = await archive('magento/module-catalog');
      await a.upstream.setFailure('auth-401', isArchive);
      const refused = await fetchArchive(catalog.url);
      assert.equal(refused.status, 404);
      assert.equal(((await refused.json()) as { code: string }).code, 'UPSTREAM_NOT_ENTITLED');
      assert.equal(refused.headers.get('www-authenticate'), null);
    } finally {
      await a.close();
    }
  });

  test('slow bandwidth: an archive still arrives whole', async () => {
    const meta = (await (await get('/p2/mageplaza/module-smtp.json')).json()) as { packages: Record<string, Array<{ dist?: { url: string; shasum: string } }>> };
    const dist = meta.packages['mageplaza/module-smtp']![0]!.dist!;
    s.upstream.setBandwidth(4000);
    try {
      const response = await fetch(dist.url, { headers: { authorization: s.key.authorization } });
      const bytes = Buffer.from(await response.arrayBuffer());
      const { createHash } = await import('node:crypto');
      assert.equal(createHash('sha1').update(bytes).digest('hex'), dist.shasum);
    } finally {
      s.upstream.setBandwidth(undefined);
    }
  });
});

describe('hostile paths and headers', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  before(async () => {
    s = await setup();
  });
  after(() => s.close());

  const assertClean = (r: RawResponse, what: string): void => {
    assert.ok(r.status >= 200 && r.status < 500, `${what} → ${r.status}`);
    assert.ok(!r.body.includes(s.upstream.password), `${what}: upstream key leaked`);
    assert.ok(!/\n\s+at [\w.<]/.test(r.body), `${what}: stack trace in the body`);
  };

  test('traversal, NUL bytes, bad names, long names: 4xx with a reason, never a file, never 5xx', async () => {
    const paths = [
      '/archives/../../etc/passwd',
      '/archives/%2e%2e/%2e%2e/etc/passwd',
      '/archives/magento/module-catalog/..%2f..%2f..%2fetc%2fpasswd',
      '/archives/magento/module-catalog/%2e%2e',
      '/p2/magento/..%2fmodule-catalog.json',
      '/p2/%2e%2e/%2e%2e.json',
      '/p2/magento/module%00catalog.json',
      '/p2/magento/module-catalog.json%00',
      `/p2/magento/${'a'.repeat(5000)}.json`,
      '/p2/MAGENTO/Module-Catalog.json',
      '/%ff%fe',
      '/packages.json/../../etc/passwd',
    ];
    for (const path of paths) {
      const r = await raw(s.repogate.url, path, { authorization: s.key.authorization });
      assertClean(r, path);
      assert.ok(r.status >= 400, `${path} → ${r.status}`);
      assert.ok(!r.body.includes('root:'), `${path} served a system file`);
    }
  });

  test('malformed, empty, oversized Authorization headers and huge headers are 4xx', async () => {
    const headers = ['', 'Basic', 'Basic ', 'Basic ====', 'Basic Og==', `Basic ${'A'.repeat(6000)}`, 'Digest x', 'Basic \u00e9\u00e9'];
    for (const authorization of headers) {
      const r = await raw(s.repogate.url, '/packages.json', authorization === '' ? {} : { authorization: authorization.replace(/[^\x20-\x7e]/g, '?') });
      assertClean(r, `Authorization "${authorization.slice(0, 20)}"`);
      assert.equal(r.status, 401);
    }
    const huge = await raw(s.repogate.url, '/packages.json', { 'x-filler': 'x'.repeat(64 * 1024) });
    assert.ok(huge.status >= 400 && huge.status < 500, `64 KiB header → ${huge.status}`);
  });

  test('property: no package path and no Basic header makes repogate answer 5xx', async () => {
    const segment = fc.string({ minLength: 0, maxLength: 40, unit: fc.constantFrom(...'abcXYZ019-_.~%/:@!$&()*+,;=\\ '.split(''), 'é', '\u0000') });
    await fc.assert(
      fc.asyncProperty(segment, segment, fc.boolean(), async (vendor, name, dev) => {
        const path = `/p2/${encodeURI(vendor)}/${encodeURI(name)}${dev ? '~dev' : ''}.json`;
        const r = await raw(s.repogate.url, path, { authorization: s.key.authorization });
        assertClean(r, path);
      }),
      { numRuns: 150 },
    );
    const credential = fc.string({ maxLength: 80, unit: fc.constantFrom(...'abcdef0123456789:xyz !'.split(''), 'ü') });
    await fc.assert(
      fc.asyncProperty(credential, fc.boolean(), async (text, encode) => {
        const value = encode ? `Basic ${Buffer.from(text).toString('base64')}` : `Basic ${text.replace(/[^\x20-\x7e]/g, '')}`;
        const r = await raw(s.repogate.url, '/packages.json', { authorization: value });
        assertClean(r, value);
        assert.ok(r.status === 401 || r.status === 429, `${value} → ${r.status}`);
      }),
      { numRuns: 150 },
    );
    assert.equal((await fetch(`${s.repogate.url}/healthz`)).status, 200, 'still alive');
  });
});
