import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openRegistryDatabase } from '../../src/registry/database.js';
import { createRegistry } from '../../src/registry/registry.js';
import { startMockUpstream, type MockUpstream, type UpstreamLayout } from '../helpers/mock-upstream/index.js';
import { createTestKey, defineStandardEntitlements, startTestRepogate, testActor, type TestKey, type TestRepogate } from '../helpers/repogate.js';

const layouts: UpstreamLayout[] = ['composer2', 'providers', 'inline'];

interface Minified {
  minified?: string;
  packages: Record<string, Array<Record<string, unknown>>>;
}

for (const layout of layouts) {
  describe(`metadata through repogate, upstream layout ${layout}`, () => {
    let upstream: MockUpstream;
    let repogate: TestRepogate;
    let developer: TestKey;
    let scoped: TestKey;

    before(async () => {
      upstream = await startMockUpstream({ layout });
      repogate = await startTestRepogate({ upstream });
      await defineStandardEntitlements(repogate.registry);
      developer = await createTestKey(repogate.registry, { grants: ['open-source', 'marketplace'] });
      scoped = await createTestKey(repogate.registry, { accountId: developer.accountId, keyName: 'ci', scope: ['magento/*'] });
    });
    after(async () => {
      await repogate.stop();
      await upstream.close();
    });

    const get = (path: string, authorization?: string, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(`${repogate.url}${path}`, { headers: { ...(authorization ? { authorization } : {}), ...headers } });

    test('the root document is Composer 2 layout, pointed at repogate, filtered to what the key may see', async () => {
      const response = await get('/packages.json', developer.authorization);
      assert.equal(response.status, 200);
      const root = (await response.json()) as Record<string, unknown>;
      assert.equal(root['metadata-url'], `${repogate.url}/p2/%package%.json`);
      assert.equal(root['notify-batch'], `${repogate.url}/notify-batch`);
      assert.equal(root['providers-url'], undefined);
      assert.equal(root['provider-includes'], undefined);
      const names = root['available-packages'] as string[];
      assert.ok(names.includes('magento/product-community-edition'));
      assert.ok(names.includes('mageplaza/module-smtp'));
      assert.ok(!names.includes('magento/product-enterprise-edition'), 'commerce is not granted');
      assert.ok(names.length > 190, `expected about 200 visible packages, got ${names.length}`);

      const scopedRoot = (await (await get('/packages.json', scoped.authorization)).json()) as Record<string, unknown>;
      const scopedNames = scopedRoot['available-packages'] as string[];
      assert.ok(scopedNames.every((n) => n.startsWith('magento/')));
      assert.ok(!scopedNames.includes('mageplaza/module-smtp'));
    });

    test('p2 metadata is minified, holds only the named package, with dist URLs on repogate', async () => {
      const response = await get('/p2/magento/module-catalog.json', developer.authorization);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'application/json');
      assert.ok(response.headers.get('last-modified'));
      const body = (await response.json()) as Minified;
      assert.equal(body.minified, 'composer/2.0');
      assert.deepEqual(Object.keys(body.packages), ['magento/module-catalog']);
      const versions = body.packages['magento/module-catalog']!;
      assert.ok(versions.length >= 2);
      const first = versions[0]!;
      const dist = first['dist'] as { url: string; shasum: string; reference: unknown };
      assert.match(dist.url, new RegExp(`^${repogate.url}/archives/magento/module-catalog/magento-module-catalog-[0-9.]+\\.zip$`));
      assert.match(dist.shasum, /^[0-9a-f]{40}$/);
      assert.equal(dist.reference, null);
      // later entries are diffs against the previous one
      assert.ok(Object.keys(versions[1]!).length < Object.keys(first).length);
      const raw = JSON.stringify(body);
      assert.ok(!raw.includes(upstream.url), 'no upstream URL is left');
    });

    test('dev versions are served from ~dev.json', async () => {
      const devPackage = upstream.packages.names().find((n) => upstream.packages.versions(n).some((v) => v.version.startsWith('dev-')));
      assert.ok(devPackage, 'the mock has a package with a dev branch');
      const response = await get(`/p2/${devPackage}~dev.json`, developer.authorization);
      assert.equal(response.status, 200);
      const body = (await response.json()) as Minified;
      const versions = body.packages[devPackage]!;
      assert.ok(versions.length >= 1);
      assert.ok(String(versions[0]!['version']).startsWith('dev-'));
      const stable = (await (await get(`/p2/${devPackage}.json`, developer.authorization)).json()) as Minified;
      assert.ok(stable.packages[devPackage]!.every((v) => !String(v['version'] ?? '').startsWith('dev-')));
    });

    test('If-Modified-Since with the served Last-Modified answers 304 without a body', async () => {
      const first = await get('/p2/magento/framework.json', developer.authorization);
      const lastModified = first.headers.get('last-modified')!;
      await first.arrayBuffer();
      const second = await get('/p2/magento/framework.json', developer.authorization, { 'if-modified-since': lastModified });
      assert.equal(second.status, 304);
      assert.equal((await second.arrayBuffer()).byteLength, 0);
    });

    test('a package the key may not see is a 404 with a reason; unknown packages are 404 too', async () => {
      const commerce = await get('/p2/magento/product-enterprise-edition.json', developer.authorization);
      assert.equal(commerce.status, 404);
      const body = (await commerce.json()) as { warning: string; code: string };
      assert.equal(body.code, 'NOT_ENTITLED');
      assert.match(body.warning, /not entitled to magento\/product-enterprise-edition/);
      const outOfScope = await get('/p2/mageplaza/module-smtp.json', scoped.authorization);
      assert.equal(outOfScope.status, 404);
      assert.match(((await outOfScope.json()) as { warning: string }).warning, /outside its scope/);
      const unknown = await get('/p2/mageplaza/no-such-module.json', developer.authorization);
      assert.equal(unknown.status, 404);
    });

    test('archives are streamed for entitled keys and refused with 403 otherwise', async () => {
      const meta = (await (await get('/p2/mageplaza/module-smtp.json', developer.authorization)).json()) as Minified;
      const dist = meta.packages['mageplaza/module-smtp']![0]!['dist'] as { url: string; shasum: string };
      const archive = await fetch(dist.url, { headers: { authorization: developer.authorization } });
      assert.equal(archive.status, 200);
      assert.equal(archive.headers.get('content-type'), 'application/zip');
      const bytes = Buffer.from(await archive.arrayBuffer());
      assert.equal(Number(archive.headers.get('content-length')), bytes.length);
      const { createHash } = await import('node:crypto');
      assert.equal(createHash('sha1').update(bytes).digest('hex'), dist.shasum);
      const refused = await fetch(dist.url, { headers: { authorization: scoped.authorization } });
      assert.equal(refused.status, 403);
      assert.match(((await refused.json()) as { warning: string }).warning, /outside its scope/);
    });

    test('a warm request does not go to the upstream again', async () => {
      await (await get('/p2/magento/module-sales.json', developer.authorization)).arrayBuffer();
      upstream.resetRequests();
      for (let i = 0; i < 5; i++) {
        const response = await get('/p2/magento/module-sales.json', developer.authorization);
        assert.equal(response.status, 200);
        await response.arrayBuffer();
      }
      assert.equal(upstream.count(), 0);
    });

    test('the upstream credentials appear in no response and no log line', async () => {
      const paths = ['/packages.json', '/p2/magento/module-catalog.json', '/p2/nope/nope.json', '/p2/magento/product-enterprise-edition.json'];
      for (const path of paths) {
        for (const auth of [developer.authorization, undefined, 'Basic Zm9vOmJhcg==']) {
          const response = await get(path, auth);
          const text = await response.text();
          assert.ok(!text.includes(upstream.password));
          assert.ok(!text.includes(Buffer.from(`${upstream.username}:${upstream.password}`).toString('base64')));
          for (const [, value] of response.headers) assert.ok(!value.includes(upstream.password));
        }
      }
      const logs = repogate.logs.join('\n');
      assert.ok(repogate.logs.length > 10);
      assert.ok(!logs.includes(upstream.password));
      assert.ok(!logs.includes(developer.privateKey));
      assert.ok(logs.includes(developer.publicKey), 'the log does name the key (so the check above can fail)');
    });
  });
}

describe('credential and account outcomes', () => {
  let upstream: MockUpstream;
  let repogate: TestRepogate;

  before(async () => {
    upstream = await startMockUpstream({ layout: 'composer2' });
    repogate = await startTestRepogate({ upstream });
    await defineStandardEntitlements(repogate.registry);
  });
  after(async () => {
    await repogate.stop();
    await upstream.close();
  });

  const p2 = (authorization?: string): Promise<Response> =>
    fetch(`${repogate.url}/p2/magento/module-catalog.json`, { headers: authorization ? { authorization } : {} });

  async function expectRefusal(response: Response, status: number, code: string, pattern?: RegExp): Promise<void> {
    assert.equal(response.status, status);
    assert.equal(response.headers.get('content-type'), 'application/json');
    const body = (await response.json()) as { warning: string; code: string };
    assert.equal(body.code, code);
    if (pattern) assert.match(body.warning, pattern);
    if (status === 401) assert.equal(response.headers.get('www-authenticate'), 'Basic realm="repogate"');
  }

  test('missing, malformed, unknown and wrong credentials are 401 with a challenge', async () => {
    const key = await createTestKey(repogate.registry);
    await expectRefusal(await p2(), 401, 'AUTH_REQUIRED');
    await expectRefusal(await p2('Bearer abc'), 401, 'AUTH_INVALID');
    await expectRefusal(await p2('Basic !!!'), 401, 'AUTH_INVALID', /base64/);
    await expectRefusal(await p2(`Basic ${Buffer.from('nocolon').toString('base64')}`), 401, 'AUTH_INVALID');
    await expectRefusal(await p2(`Basic ${Buffer.from('x'.repeat(6000)).toString('base64')}`), 401, 'AUTH_INVALID', /too long/);
    await expectRefusal(await p2(`Basic ${Buffer.from(`${'a'.repeat(32)}:${'b'.repeat(32)}`).toString('base64')}`), 401, 'AUTH_INVALID', /unknown public key/);
    await expectRefusal(await p2(`Basic ${Buffer.from(`${key.publicKey}:${'b'.repeat(32)}`).toString('base64')}`), 401, 'AUTH_INVALID', /wrong private key/);
    assert.equal((await p2(key.authorization)).status, 200);
  });

  test('disabled, deleted, regenerated and expired keys stop working at once', async () => {
    const key = await createTestKey(repogate.registry);
    assert.equal((await p2(key.authorization)).status, 200);
    await repogate.registry.keys.disable(key.publicKey, testActor);
    await expectRefusal(await p2(key.authorization), 401, 'KEY_DISABLED', /is disabled/);
    await repogate.registry.keys.enable(key.publicKey, testActor);
    assert.equal((await p2(key.authorization)).status, 200);
    const renewed = await repogate.registry.keys.regenerate(key.publicKey, testActor);
    await expectRefusal(await p2(key.authorization), 401, 'AUTH_INVALID');
    const renewedAuth = `Basic ${Buffer.from(`${renewed.key.publicKey}:${renewed.privateKey}`).toString('base64')}`;
    assert.equal((await p2(renewedAuth)).status, 200);
    await repogate.registry.keys.delete(renewed.key.publicKey, testActor);
    await expectRefusal(await p2(renewedAuth), 401, 'AUTH_INVALID');
    // A key can't be created already expired: this one was made in January 2020, to last the month.
    const in2020 = createRegistry(await openRegistryDatabase(`sqlite:${join(repogate.dataDir, 'registry.sqlite')}`), { now: () => new Date('2020-01-02T10:00:00Z') });
    const expired = await createTestKey(in2020, { expiresOn: '2020-01-31' }).finally(() => in2020.close());
    await expectRefusal(await p2(expired.authorization), 401, 'KEY_EXPIRED', /expired on 2020-01-31/);
  });

  test('a suspended account and an expired grant are 403 with the reason', async () => {
    const key = await createTestKey(repogate.registry);
    await repogate.registry.accounts.suspend(key.accountId, 'outstanding invoice INV-42', testActor);
    await expectRefusal(await p2(key.authorization), 403, 'ACCOUNT_SUSPENDED', /suspended: outstanding invoice INV-42/);
    await repogate.registry.accounts.resume(key.accountId, testActor);
    assert.equal((await p2(key.authorization)).status, 200);

    const lapsed = await createTestKey(repogate.registry, { grants: [] });
    await repogate.registry.entitlements.grant(lapsed.accountId, 'commerce', '2021-06-30', testActor);
    await expectRefusal(await p2(lapsed.authorization), 403, 'NO_ACTIVE_GRANT', /grant 'commerce' .*expired on 2021-06-30/);
  });

  test('a key limited to networks is refused from elsewhere', async () => {
    const key = await createTestKey(repogate.registry, { cidrs: ['10.0.0.0/8'] });
    await expectRefusal(await p2(key.authorization), 403, 'ADDRESS_NOT_ALLOWED');
    const local = await createTestKey(repogate.registry, { cidrs: ['127.0.0.0/8', '::1'] });
    assert.equal((await p2(local.authorization)).status, 200);
  });

  test('bad paths and hosts are 4xx with a reason, never 5xx', async () => {
    const key = await createTestKey(repogate.registry);
    const paths = ['/p2/Magento/Module.json', '/p2/magento/module-catalog', '/p2/..%2f..%2fetc/passwd.json', '/p2/%00/x.json', `/p2/a/${'b'.repeat(400)}.json`, '/archives/../../etc/passwd', '/nothing'];
    for (const path of paths) {
      const response = await fetch(`${repogate.url}${path}`, { headers: { authorization: key.authorization } });
      assert.ok(response.status >= 400 && response.status < 500, `${path} → ${response.status}`);
      const body = (await response.json()) as { warning: string };
      assert.ok(body.warning.length > 0);
    }
  });
});
