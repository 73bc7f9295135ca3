import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { basic, createTestKey, defineStandardEntitlements, startTestRepogate, type TestKey, type TestRepogate } from '../helpers/repogate.js';

/**
 * `/p2/` requests are decided in one place (src/composer/package-answers.ts), whatever their query
 * string, which is no part of what is answered: with one and without, the answer must be the same —
 * status, headers, body, and the access log line. (test/integration/answer-paths.test.ts compares
 * the warm way with the general one.)
 */
void describe('/p2/ answers do not depend on the query string', () => {
  let upstream: MockUpstream;
  let repogate: TestRepogate;
  let key: TestKey;
  let lastModified: string;

  before(async () => {
    upstream = await startMockUpstream({ layout: 'composer2' });
    repogate = await startTestRepogate({ upstream });
    await defineStandardEntitlements(repogate.registry);
    key = await createTestKey(repogate.registry, { grants: ['open-source'] });
    const first = await fetch(`${repogate.url}/p2/magento/module-catalog.json`, { headers: { authorization: key.authorization } });
    lastModified = first.headers.get('last-modified') ?? '';
  });
  after(async () => {
    await repogate.stop();
    await upstream.close();
  });

  const ignored = new Set(['date', 'x-request-id', 'keep-alive', 'connection']);

  async function both(path: string, init: { method?: string; headers?: Record<string, string> }): Promise<void> {
    // Warm the caches first: the comparison is about answers, not about who fetched first.
    await (await fetch(`${repogate.url}${path}`, { method: init.method ?? 'GET', headers: init.headers ?? {} })).arrayBuffer();
    const answers = [];
    for (const target of [path, `${path}?cb=1`]) {
      const requestId = `fast-path-${Math.random().toString(36).slice(2)}`;
      const response = await fetch(`${repogate.url}${target}`, { method: init.method ?? 'GET', headers: { ...init.headers, 'x-request-id': requestId } });
      const body = Buffer.from(await response.arrayBuffer());
      const headers = [...response.headers].filter(([name]) => !ignored.has(name)).sort();
      assert.equal(response.headers.get('x-request-id'), requestId);
      await waitForLog(requestId);
      const line = repogate.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['requestId'] === requestId)!;
      const { time: _time, ms: _ms, requestId: _id, ...logged } = line;
      answers.push({ status: response.status, headers, body: body.toString('base64'), logged });
    }
    assert.deepEqual(answers[0], answers[1], `${init.method ?? 'GET'} ${path} ${JSON.stringify(init.headers ?? {})}`);
  }

  async function waitForLog(requestId: string): Promise<void> {
    const deadline = Date.now() + 2000;
    while (!repogate.logs.some((l) => l.includes(requestId))) {
      assert.ok(Date.now() < deadline, `access log line for ${requestId}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  void test('200 (plain and gzip), HEAD, 304 on If-Modified-Since and If-None-Match', async () => {
    const auth = { authorization: key.authorization };
    await both('/p2/magento/module-catalog.json', { headers: auth });
    await both('/p2/magento/module-catalog.json', { headers: { ...auth, 'accept-encoding': 'gzip' } });
    await both('/p2/magento/module-catalog.json', { method: 'HEAD', headers: auth });
    await both('/p2/magento/module-catalog.json', { headers: { ...auth, 'if-modified-since': lastModified } });
    const etag = (await fetch(`${repogate.url}/p2/magento/module-catalog.json`, { headers: auth })).headers.get('etag') ?? '';
    await both('/p2/magento/module-catalog.json', { headers: { ...auth, 'if-none-match': etag } });
    await both('/p2/magento/module-catalog~dev.json', { headers: auth });
    const gz = await fetch(`${repogate.url}/p2/magento/magento2-base.json`, { headers: { ...auth, 'accept-encoding': 'gzip' } });
    assert.equal(gz.status, 200);
  });

  void test('concurrent warm answers each carry their own request id, plain and gzip alike', async () => {
    // large enough to be sent gzipped to clients that take it
    const path = `${repogate.url}/p2/magento/magento2-base.json`;
    const plain = Buffer.from(await (await fetch(path, { headers: { authorization: key.authorization, 'accept-encoding': 'identity' } })).arrayBuffer());
    assert.ok(plain.length >= 1024);
    const answers = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const requestId = `concurrent-${i}`;
        const gzip = i % 2 === 0;
        const response = await fetch(path, { headers: { authorization: key.authorization, 'x-request-id': requestId, 'accept-encoding': gzip ? 'gzip' : 'identity' } });
        const body = Buffer.from(await response.arrayBuffer());
        return { requestId, gzip, status: response.status, echoed: response.headers.get('x-request-id'), encoding: response.headers.get('content-encoding'), body };
      }),
    );
    for (const a of answers) {
      assert.equal(a.status, 200);
      assert.equal(a.echoed, a.requestId);
      // fetch decodes gzip itself: both read as the same JSON
      assert.equal(a.encoding, a.gzip ? 'gzip' : null);
      assert.deepEqual(a.body, plain);
    }
    for (const a of answers) await waitForLog(a.requestId);
    const logged = repogate.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => String(l['requestId']).startsWith('concurrent-'));
    assert.equal(new Set(logged.map((l) => l['requestId'])).size, 40);
    assert.ok(logged.every((l) => l['status'] === 200 && l['cache'] === 'hit' && l['publicKey'] === key.publicKey));
  });

  void test('refusals: no credentials, a wrong key, a package outside the grants, an unknown package, a bad name', async () => {
    await both('/p2/magento/module-catalog.json', {});
    await both('/p2/magento/module-catalog.json', { headers: { authorization: basic(key.publicKey, '0'.repeat(32)) } });
    await both('/p2/magento/module-catalog.json', { headers: { authorization: 'Bearer nope' } });
    await both('/p2/magento/product-enterprise-edition.json', { headers: { authorization: key.authorization } });
    await both('/p2/magento/no-such-module.json', { headers: { authorization: key.authorization } });
    await both('/p2/Magento/Module-Catalog.json', { headers: { authorization: key.authorization } });
  });

  void test('a key disabled with the CLI is refused at once, also on a warm path', async () => {
    const other = await createTestKey(repogate.registry, { accountId: key.accountId });
    const get = (): Promise<Response> => fetch(`${repogate.url}/p2/magento/module-catalog.json`, { headers: { authorization: other.authorization } });
    assert.equal((await get()).status, 200);
    assert.equal((await get()).status, 200);
    await repogate.registry.keys.disable(other.publicKey, { type: 'system', id: 'test' });
    const refused = await get();
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { code: string }).code, 'KEY_DISABLED');
  });

  void test('gzip bodies decode to the plain body', async () => {
    const auth = { authorization: key.authorization };
    const plain = Buffer.from(await (await fetch(`${repogate.url}/p2/magento/magento2-base.json`, { headers: { ...auth, 'accept-encoding': 'identity' } })).arrayBuffer());
    const raw = await new Promise<Buffer>((resolve, reject) => {
      void import('node:http').then(({ get }) => {
        get(`${repogate.url}/p2/magento/magento2-base.json`, { headers: { ...auth, 'accept-encoding': 'gzip' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks)));
        }).on('error', reject);
      });
    });
    assert.ok(plain.length >= 1024 ? gunzipSync(raw).equals(plain) : raw.equals(plain));
  });
});
