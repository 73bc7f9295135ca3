/**
 * Two Magento-like upstreams side by side, as an agency holding two merchants' repo.magento.com keys
 * sees them: each accepts its own keys only and serves its own Marketplace purchases, and each records
 * the Authorization header that reached it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { basic } from '../helpers/repogate.js';
import { expandVersions, marketplaceModule, startMockUpstream } from '../helpers/mock-upstream/index.js';
import type { JsonObject, MockUpstream } from '../helpers/mock-upstream/index.js';

const MERCHANT_A = { username: 'aaaa0000aaaa0000aaaa0000aaaa0000', password: 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1' };
const MERCHANT_B = { username: 'bbbb1111bbbb1111bbbb1111bbbb1111', password: 'b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2' };

function get(up: MockUpstream, path: string, credentials: { username: string; password: string }): Promise<Response> {
  return fetch(`${up.url}${path}`, { headers: { authorization: basic(credentials.username, credentials.password) } });
}

async function versionsOf(response: Response, name: string): Promise<JsonObject[]> {
  assert.equal(response.status, 200);
  const doc = (await response.json()) as { packages: Record<string, JsonObject[]> };
  return expandVersions(doc.packages[name] ?? []);
}

void describe('two Magento-like upstreams with different keys and packages', () => {
  let a: MockUpstream;
  let b: MockUpstream;

  before(async () => {
    // Merchant A: the whole Magento catalogue plus its own purchase. Merchant B: its purchase only.
    a = await startMockUpstream({
      layout: 'composer2',
      ...MERCHANT_A,
      extraPackages: [marketplaceModule('merchant-a/module-alpha', '1.0.0'), marketplaceModule('merchant-a/module-alpha', '1.1.0')],
    });
    b = await startMockUpstream({
      layout: 'composer2',
      ...MERCHANT_B,
      packages: [marketplaceModule('merchant-b/module-beta', '2.3.0', { require: { 'magento/module-catalog': '104.0.*' } })],
    });
  });
  after(async () => {
    await a.close();
    await b.close();
  });

  void test("each serves its own merchant's packages and not the other's", async () => {
    const alpha = await versionsOf(await get(a, '/p2/merchant-a/module-alpha.json', MERCHANT_A), 'merchant-a/module-alpha');
    assert.deepEqual(alpha.map((v) => v.version), ['1.1.0', '1.0.0']);
    assert.deepEqual((alpha[0]?.license as string[] | undefined), ['proprietary']);
    assert.equal((await get(a, '/p2/magento/framework.json', MERCHANT_A)).status, 200, 'A keeps the default catalogue');
    assert.equal((await get(a, '/p2/merchant-b/module-beta.json', MERCHANT_A)).status, 404);

    const beta = await versionsOf(await get(b, '/p2/merchant-b/module-beta.json', MERCHANT_B), 'merchant-b/module-beta');
    assert.deepEqual(beta.map((v) => v.version), ['2.3.0']);
    assert.equal((beta[0]?.require as Record<string, string>)['magento/module-catalog'], '104.0.*');
    assert.equal((await get(b, '/p2/merchant-a/module-alpha.json', MERCHANT_B)).status, 404);
    assert.equal((await get(b, '/p2/magento/framework.json', MERCHANT_B)).status, 404, 'B serves only what it was given');

    const root = (await (await get(b, '/packages.json', MERCHANT_B)).json()) as { 'available-packages': string[] };
    assert.deepEqual(root['available-packages'], ['merchant-b/module-beta']);
  });

  void test("an added package's archive matches its published shasum", async () => {
    const [newest] = await versionsOf(await get(a, '/p2/merchant-a/module-alpha.json', MERCHANT_A), 'merchant-a/module-alpha');
    const dist = newest?.dist as { url: string; shasum: string };
    assert.equal(new URL(dist.url).pathname, '/archives/merchant-a/module-alpha/merchant-a-module-alpha-1.1.0.0.zip');
    const archive = await get(a, new URL(dist.url).pathname, MERCHANT_A);
    assert.equal(archive.status, 200);
    const bytes = new Uint8Array(await archive.arrayBuffer());
    assert.equal(createHash('sha1').update(bytes).digest('hex'), dist.shasum);
  });

  void test("each refuses the other's keys and records the Authorization header that reached it", async () => {
    a.resetRequests();
    b.resetRequests();
    assert.equal((await get(a, '/packages.json', MERCHANT_B)).status, 401);
    assert.equal((await get(b, '/packages.json', MERCHANT_B)).status, 200);
    assert.equal((await fetch(`${b.url}/packages.json`)).status, 401);

    assert.deepEqual(
      a.requests.map((r) => [r.authorization, r.authorized]),
      [[basic(MERCHANT_B.username, MERCHANT_B.password), false]],
    );
    assert.deepEqual(
      b.requests.map((r) => [r.authorization, r.authorized]),
      [
        [basic(MERCHANT_B.username, MERCHANT_B.password), true],
        [undefined, false],
      ],
    );
  });

  void test('a mock started without these options serves the default catalogue, as before', async () => {
    const plain = await startMockUpstream({ layout: 'composer2' });
    try {
      assert.equal(plain.packages.size, 234);
      assert.equal(plain.packages.has('merchant-a/module-alpha'), false);
    } finally {
      await plain.close();
    }
  });
});
