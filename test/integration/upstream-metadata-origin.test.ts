import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startCountingServer, type CountingServer } from '../helpers/mock-downloads.js';
import { startMockUpstream, type MockUpstream, type UpstreamLayout } from '../helpers/mock-upstream/index.js';
import { createTestKey, defineStandardEntitlements, startTestRepogate, type TestKey, type TestRepogate } from '../helpers/repogate.js';

interface Setup {
  upstream: MockUpstream;
  repogate: TestRepogate;
  key: TestKey;
}

async function setUp(layout: UpstreamLayout, env: Record<string, string> = {}): Promise<Setup> {
  const upstream = await startMockUpstream({ layout });
  // Every request revalidates the root document, so that a changed root counts at once.
  const repogate = await startTestRepogate({ upstream, env: { REPOGATE_METADATA_TTL_SECONDS: '0', ...env } });
  await defineStandardEntitlements(repogate.registry);
  const key = await createTestKey(repogate.registry, { grants: ['everything'] });
  return { upstream, repogate, key };
}

async function tearDown(setup: Setup | undefined): Promise<void> {
  await setup?.repogate.stop();
  await setup?.upstream.close();
}

function get(setup: Setup, path: string): Promise<Response> {
  return fetch(`${setup.repogate.url}${path}`, { headers: { authorization: setup.key.authorization } });
}

async function expectUpstreamInvalid(response: Response): Promise<void> {
  assert.equal(response.status, 502);
  assert.equal(((await response.json()) as { code: string }).code, 'UPSTREAM_INVALID');
}

/** The error lines that name the host an upstream document pointed to. */
function alarms(setup: Setup, host: string): Array<Record<string, unknown>> {
  return setup.repogate.logs
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line['level'] === 50 && line['host'] === host && String(line['msg']).includes('POINTS ELSEWHERE'));
}

void describe('the upstream cannot send repogate to another host for metadata', () => {
  let elsewhere: CountingServer;
  let composer2: Setup | undefined;
  let providers: Setup | undefined;
  let allowed: Setup | undefined;

  before(async () => {
    elsewhere = await startCountingServer();
    [composer2, providers, allowed] = await Promise.all([
      setUp('composer2'),
      setUp('providers'),
      setUp('composer2', { REPOGATE_UPSTREAM_METADATA_HOSTS: `example.test, 127.0.0.1:${new URL(elsewhere.url).port}` }),
    ]);
  });
  after(async () => {
    await Promise.all([tearDown(composer2), tearDown(providers), tearDown(allowed)]);
    await elsewhere.close();
  });

  void test('a metadata-url on another host: 502 UPSTREAM_INVALID, logged with the host, and that host never asked', async () => {
    const setup = composer2!;
    setup.upstream.setRootFields({ 'metadata-url': `${elsewhere.url}/p2/%package%.json` });
    await expectUpstreamInvalid(await get(setup, '/packages.json'));
    await expectUpstreamInvalid(await get(setup, '/p2/magento/module-catalog.json'));
    await expectUpstreamInvalid(await get(setup, '/p2/magento/module-cms~dev.json'));
    assert.deepEqual(elsewhere.requests, []);
    assert.equal(alarms(setup, elsewhere.host).length, 1, 'logged once for this root document');
  });

  void test('a notify-batch on another host makes the root invalid too; notifications are not forwarded there', async () => {
    const setup = composer2!;
    setup.upstream.setRootFields({ 'notify-batch': `${elsewhere.url}/downloads/` });
    await expectUpstreamInvalid(await get(setup, '/packages.json'));
    const notified = await fetch(`${setup.repogate.url}/notify-batch`, {
      method: 'POST',
      headers: { authorization: setup.key.authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ downloads: [{ name: 'magento/module-catalog', version: '104.0.7.0' }] }),
    });
    assert.equal(notified.status, 200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(elsewhere.requests, []);
  });

  void test('a root document on the upstream again is served again', async () => {
    const setup = composer2!;
    setup.upstream.setRootFields({});
    assert.equal((await get(setup, '/packages.json')).status, 200);
    assert.equal((await get(setup, '/p2/magento/module-catalog.json')).status, 200);
  });

  void test('Composer 1: a providers-url or a provider-include on another host is refused, nothing fetched there', async () => {
    const setup = providers!;
    setup.upstream.setRootFields({ 'providers-url': `${elsewhere.url}/p/%package%$%hash%.json` });
    await expectUpstreamInvalid(await get(setup, '/packages.json'));
    await expectUpstreamInvalid(await get(setup, '/p2/magento/module-catalog.json'));
    setup.upstream.setRootFields({ 'provider-includes': { [`${elsewhere.url}/p/provider-x$%hash%.json`]: { sha256: 'a'.repeat(64) } } });
    await expectUpstreamInvalid(await get(setup, '/packages.json'));
    await expectUpstreamInvalid(await get(setup, '/p2/magento/module-catalog.json'));
    setup.upstream.setRootFields({ 'provider-includes': { '//127.0.0.1:1/p/provider-y$%hash%.json': { sha256: 'b'.repeat(64) } } });
    await expectUpstreamInvalid(await get(setup, '/packages.json'));
    assert.deepEqual(elsewhere.requests, []);
    assert.equal(alarms(setup, elsewhere.host).length, 2);
    assert.equal(alarms(setup, '127.0.0.1:1').length, 1);
  });

  void test('a host listed in REPOGATE_UPSTREAM_METADATA_HOSTS is followed, without the organisation credentials', async () => {
    const setup = allowed!;
    setup.upstream.setRootFields({ 'metadata-url': `${elsewhere.url}/p2/%package%.json` });
    assert.equal((await get(setup, '/packages.json')).status, 200);
    await get(setup, '/p2/magento/module-catalog.json');
    assert.deepEqual(elsewhere.requests, ['GET /p2/magento/module-catalog.json']);
    assert.deepEqual(elsewhere.authorizations, ['']);
    assert.equal(alarms(setup, elsewhere.host).length, 0);
  });
});
