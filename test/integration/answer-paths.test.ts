import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { expandVersions, type VersionEntry } from '../../src/upstream/minified-metadata.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { basic, createTestKey, defineStandardEntitlements, startTestRepogate, testActor, type TestKey, type TestRepogate } from '../helpers/repogate.js';

/**
 * Each Composer route decides its answer in one place (src/composer/*-answers.ts, root-answer.ts);
 * a warm request is answered from memory without a promise, any other through the same decision's
 * general way. Whichever way an answer is taken, it must carry the same things: the wire (status,
 * headers, body), the access-log line, the key's last use and the audit events. Refusals and
 * failures have one way only, and the same rule on every route: a key that was allowed the package
 * has been used, whatever the upstream then said; only an answered 200/304 is audited.
 */

/** Everything one request leaves behind. */
interface Observed {
  readonly status: number;
  readonly headers: Array<[string, string]>;
  readonly body: string;
  readonly logged: Record<string, unknown>;
  /** Whether the key's last use was recorded by this request. */
  readonly used: boolean;
  /** The audit events this request added for the key (action, package, detail without count). */
  readonly audited: Array<{ action: string; package: unknown; path: unknown }>;
}

const ignoredHeaders = new Set(['date', 'x-request-id', 'keep-alive', 'connection', 'age']);
const sha1 = (bytes: Buffer): string => createHash('sha1').update(bytes).digest('hex');

interface Observer {
  observe(key: TestKey | undefined, path: string, init?: { method?: string; headers?: Record<string, string> }): Promise<Observed>;
}

function observer(repogate: TestRepogate): Observer {
  const db = repogate.registry.context.db;
  let counter = 0;
  return {
    async observe(key, path, init = {}) {
      await repogate.flushUsage();
      if (key) await db.updateTable('access_keys').set({ last_used_at: null, last_used_address: null }).where('public_key', '=', key.publicKey).execute();
      const before = key ? ((await repogate.registry.audit.list({ publicKey: key.publicKey, limit: 1 }))[0]?.id ?? 0) : 0;
      const requestId = `answer-${process.pid}-${++counter}`;
      const headers: Record<string, string> = { ...(key ? { authorization: key.authorization } : {}), ...init.headers, 'x-request-id': requestId };
      const response = await fetch(`${repogate.url}${path}`, { method: init.method ?? 'GET', headers });
      const body = Buffer.from(await response.arrayBuffer()).toString('base64');
      assert.equal(response.headers.get('x-request-id'), requestId);
      const deadline = Date.now() + 3000;
      let line: string | undefined;
      while ((line = repogate.logs.find((l) => l.includes(`"requestId":"${requestId}"`) && l.includes('"msg":"request"'))) === undefined) {
        assert.ok(Date.now() < deadline, `no access-log line for ${requestId}`);
        await delay(5);
      }
      const { time: _time, ms: _ms, requestId: _id, ...logged } = JSON.parse(line) as Record<string, unknown>;
      await repogate.flushUsage();
      const row = key && (await db.selectFrom('access_keys').select('last_used_at').where('public_key', '=', key.publicKey).executeTakeFirst());
      const events = key ? (await repogate.registry.audit.list({ publicKey: key.publicKey })).filter((e) => e.id > before) : [];
      return {
        status: response.status,
        headers: [...response.headers].filter(([name]) => !ignoredHeaders.has(name)).sort(),
        body,
        logged,
        used: row?.last_used_at != null,
        audited: events.map((e) => ({ action: e.action, package: e.detail?.['package'], path: e.detail?.['path'] })).sort((a, b) => a.action.localeCompare(b.action)),
      };
    },
  };
}

void describe('one answer, whichever way it is taken', () => {
  let upstream: MockUpstream;
  let repogate: TestRepogate;
  let seen: Observer;
  let owner: TestKey;
  let archivePath: string;
  let lastModified: string;

  before(async () => {
    upstream = await startMockUpstream({ layout: 'composer2' });
    repogate = await startTestRepogate({ upstream, env: { REPOGATE_UPSTREAM_FAILURES_TO_OPEN: '1000', REPOGATE_UPSTREAM_TIMEOUT_SECONDS: '0.5' } });
    await defineStandardEntitlements(repogate.registry);
    owner = await createTestKey(repogate.registry, { grants: ['open-source'] });
    seen = observer(repogate);
    const response = await fetch(`${repogate.url}/p2/magento/framework.json`, { headers: { authorization: owner.authorization } });
    lastModified = response.headers.get('last-modified') ?? '';
    const body = (await response.json()) as { packages: Record<string, VersionEntry[]> };
    const dist = expandVersions(body.packages['magento/framework'] ?? []).find((v) => v['version'] === '103.0.7')?.['dist'] as { url: string; shasum: string };
    archivePath = new URL(dist.url).pathname;
    const first = await fetch(dist.url, { headers: { authorization: owner.authorization } });
    assert.equal(sha1(Buffer.from(await first.arrayBuffer())), dist.shasum);
    const objects = join(repogate.dataDir, 'archives', 'objects', dist.shasum.slice(0, 2));
    for (let i = 0; !(await readdir(objects).catch((): string[] => [])).includes(dist.shasum); i++) {
      assert.ok(i < 200, 'the archive was not stored');
      await delay(25);
    }
  });
  after(async () => {
    await repogate.stop();
    await upstream.close();
  });

  /** A fresh key's first request takes the general way (nothing is remembered for it), its second the warm one. */
  async function generalThenWarm(path: string, init?: { method?: string; headers?: Record<string, string> }): Promise<[Observed, Observed]> {
    const key = await createTestKey(repogate.registry, { accountId: owner.accountId, keyName: `paths ${path}` });
    await seen.observe(owner, path, init);
    const general = await seen.observe(key, path, init);
    const warm = await seen.observe(key, path, init);
    return [general, { ...warm, logged: warm.logged }];
  }

  const sameAnswer = (pair: [Observed, Observed], what: string): void => {
    // The log line names the key, which is the same for both requests of the pair.
    assert.deepEqual(pair[0], pair[1], what);
  };

  void test('metadata hits: 200 plain, gzip and HEAD, 304 on If-Modified-Since and If-None-Match, ~dev', async () => {
    const path = '/p2/magento/module-catalog.json';
    const [general, warm] = await generalThenWarm(path);
    sameAnswer([general, warm], 'GET');
    assert.equal(general.status, 200);
    assert.equal(general.used, true);
    assert.deepEqual(general.audited, [{ action: 'metadata.fetched', package: 'magento/module-catalog', path: undefined }]);
    assert.equal(general.logged['cache'], 'hit');
    sameAnswer(await generalThenWarm(path, { headers: { 'accept-encoding': 'gzip' } }), 'gzip');
    sameAnswer(await generalThenWarm(path, { method: 'HEAD' }), 'HEAD');
    const ims = await generalThenWarm('/p2/magento/framework.json', { headers: { 'if-modified-since': lastModified } });
    sameAnswer(ims, 'If-Modified-Since');
    assert.equal(ims[0].status, 304);
    assert.equal(ims[0].body, '');
    const etag = (await fetch(`${repogate.url}${path}`, { headers: { authorization: owner.authorization } })).headers.get('etag') ?? '';
    sameAnswer(await generalThenWarm(path, { headers: { 'if-none-match': etag } }), 'If-None-Match');
    const dev = await generalThenWarm('/p2/magento/module-catalog~dev.json');
    sameAnswer(dev, '~dev');
    assert.deepEqual(dev[0].audited, [{ action: 'metadata.fetched', package: 'magento/module-catalog~dev', path: undefined }]);
  });

  void test('a miss (fetched from the upstream) carries what the hit after it carries, but for how it was found', async () => {
    const key = await createTestKey(repogate.registry, { accountId: owner.accountId, keyName: 'miss then hit' });
    const miss = await seen.observe(key, '/p2/magento/module-wishlist.json');
    const hit = await seen.observe(key, '/p2/magento/module-wishlist.json');
    assert.equal(miss.logged['cache'], 'miss');
    assert.equal(typeof miss.logged['upstreamMs'], 'number');
    assert.equal(hit.logged['cache'], 'hit');
    const { cache: _c1, upstreamMs: _u1, ...missRest } = miss.logged;
    const { cache: _c2, upstreamMs: _u2, ...hitRest } = hit.logged;
    assert.deepEqual({ ...miss, logged: missRest }, { ...hit, logged: hitRest });
    assert.deepEqual(miss.audited, [{ action: 'metadata.fetched', package: 'magento/module-wishlist', path: undefined }]);
  });

  void test('archive hits: the same bytes, headers, log line, last use and audit event', async () => {
    const pair = await generalThenWarm(archivePath);
    sameAnswer(pair, 'archive GET');
    assert.equal(pair[0].status, 200);
    assert.deepEqual(pair[0].audited, [{ action: 'archive.downloaded', package: 'magento/framework', path: archivePath }]);
    sameAnswer(await generalThenWarm(archivePath, { method: 'HEAD' }), 'archive HEAD');
  });

  void test('a query string is no part of what is answered, and never reaches the upstream', async () => {
    const plain = await seen.observe(owner, '/p2/magento/module-catalog.json');
    const busted = await seen.observe(owner, '/p2/magento/module-catalog.json?cb=1');
    assert.deepEqual(busted, plain);
    upstream.resetRequests();
    const archive = await seen.observe(owner, archivePath);
    for (let i = 1; i <= 3; i++) assert.deepEqual(await seen.observe(owner, `${archivePath}?cb=${i}`), archive);
    assert.equal(upstream.count(), 0, 'no upstream request for a stored archive, whatever its query');
  });

  void test('refusals: 401 and 404 count no use and audit nothing, on metadata and archives alike', async () => {
    const wrong: TestKey = { ...owner, authorization: basic(owner.publicKey, '0'.repeat(32)) };
    for (const path of ['/p2/magento/framework.json', archivePath]) {
      const none = await seen.observe(undefined, path);
      assert.equal(none.status, 401);
      assert.equal(none.logged['error'], 'AUTH_REQUIRED');
      assert.ok(none.headers.some(([name, value]) => name === 'www-authenticate' && value === 'Basic realm="repogate"'));
      const invalid = await seen.observe(wrong, path);
      assert.equal(invalid.status, 401);
      assert.equal(invalid.logged['error'], 'AUTH_INVALID');
      assert.equal(invalid.used, false);
      assert.deepEqual(invalid.audited, []);
    }
    const notEntitledMetadata = await seen.observe(owner, '/p2/magento/product-enterprise-edition.json');
    assert.equal(notEntitledMetadata.status, 404);
    assert.equal(notEntitledMetadata.logged['error'], 'NOT_ENTITLED');
    assert.equal(notEntitledMetadata.used, false);
    assert.deepEqual(notEntitledMetadata.audited, []);
  });

  void test('an allowed key was used even when the package is unknown (404) or the upstream fails (502, 504); nothing is audited', async () => {
    const key = await createTestKey(repogate.registry, { accountId: owner.accountId, keyName: 'failures' });
    const unknownPackage = await seen.observe(key, '/p2/magento/no-such-module.json');
    assert.equal(unknownPackage.status, 404);
    assert.equal(unknownPackage.logged['error'], 'NOT_FOUND');
    assert.equal(unknownPackage.used, true, 'a 404 for an allowed key counts as its use');
    assert.deepEqual(unknownPackage.audited, []);
    const missingArchive = await seen.observe(key, '/archives/magento/framework/magento-framework-0.0.1.zip');
    assert.equal(missingArchive.status, 404);
    assert.equal(missingArchive.used, true);
    assert.deepEqual(missingArchive.audited, []);

    await upstream.setFailure('5xx', (p) => p.includes('module-cms'));
    try {
      const metadata = await seen.observe(key, '/p2/magento/module-cms.json');
      assert.equal(metadata.status, 502);
      assert.equal(metadata.logged['error'], 'UPSTREAM_UNAVAILABLE');
      assert.equal(metadata.used, true);
      assert.deepEqual(metadata.audited, []);
      const archive = await seen.observe(key, '/archives/magento/module-cms/magento-module-cms-104.0.7.zip');
      assert.equal(archive.status, 502);
      assert.equal(archive.used, true);
      assert.deepEqual(archive.audited, []);
    } finally {
      await upstream.setFailure('none');
    }

    await upstream.setFailure('hang', (p) => p.includes('module-sales'));
    try {
      const slow = await seen.observe(key, '/p2/magento/module-sales.json');
      assert.equal(slow.status, 504);
      assert.equal(slow.logged['error'], 'UPSTREAM_TIMEOUT');
      assert.equal(slow.used, true);
      assert.deepEqual(slow.audited, []);
    } finally {
      await upstream.setFailure('none');
    }
  });

  void test('a suspended account: 403 with the reason, no use, no audit', async () => {
    const key = await createTestKey(repogate.registry, { grants: ['open-source'], keyName: 'suspended' });
    assert.equal((await seen.observe(key, '/p2/magento/framework.json')).status, 200);
    await repogate.registry.accounts.suspend(key.accountId, 'invoice 42 outstanding', testActor);
    for (const path of ['/p2/magento/framework.json', archivePath, '/packages.json']) {
      const refused = await seen.observe(key, path);
      assert.equal(refused.status, 403, path);
      assert.equal(refused.logged['error'], 'ACCOUNT_SUSPENDED');
      assert.match(Buffer.from(refused.body, 'base64').toString(), /invoice 42 outstanding/);
      assert.equal(refused.used, false, path);
      assert.deepEqual(refused.audited, []);
    }
  });
});

void describe('answers when the upstream is down: stale metadata and 429', () => {
  let upstream: MockUpstream;
  let repogate: TestRepogate;
  let seen: Observer;

  before(async () => {
    upstream = await startMockUpstream({ layout: 'composer2' });
    repogate = await startTestRepogate({
      upstream,
      env: { REPOGATE_METADATA_TTL_SECONDS: '1', REPOGATE_UPSTREAM_FAILURES_TO_OPEN: '1000', REPOGATE_AUTH_FAILURES_PER_KEY: '3' },
    });
    await defineStandardEntitlements(repogate.registry);
    seen = observer(repogate);
  });
  after(async () => {
    await repogate.stop();
    await upstream.close();
  });

  void test('stale metadata is answered with Warning 110 and Age, counted as a use and audited', async () => {
    const key = await createTestKey(repogate.registry, { grants: ['open-source'] });
    const fresh = await seen.observe(key, '/p2/magento/module-catalog.json');
    assert.equal(fresh.status, 200);
    await upstream.setFailure('5xx');
    try {
      // Past the freshness of the cached document (1 s), the upstream failing: served stale.
      await delay(1100);
      const stale = await seen.observe(key, '/p2/magento/module-catalog.json');
      assert.equal(stale.status, 200);
      assert.equal(stale.body, fresh.body);
      assert.ok(stale.headers.some(([name, value]) => name === 'warning' && value.startsWith('110 ')));
      assert.equal(stale.logged['cache'], 'stale');
      assert.equal(stale.used, true);
      assert.deepEqual(stale.audited, [{ action: 'metadata.fetched', package: 'magento/module-catalog', path: undefined }]);
      const again = await seen.observe(key, '/p2/magento/module-catalog.json');
      assert.equal(again.logged['cache'], 'stale', 'a stale answer is never kept as a warm one');
    } finally {
      await upstream.setFailure('none');
    }
  });

  void test('429 after too many wrong guesses, with Retry-After and the limit named; no use, no audit', async () => {
    const key = await createTestKey(repogate.registry, { grants: ['open-source'] });
    const wrong: TestKey = { ...key, authorization: basic(key.publicKey, 'f'.repeat(32)) };
    for (let i = 0; i < 3; i++) assert.equal((await seen.observe(wrong, '/p2/magento/framework.json')).status, 401);
    const limited = await seen.observe(wrong, '/p2/magento/framework.json');
    assert.equal(limited.status, 429);
    assert.equal(limited.logged['error'], 'RATE_LIMITED');
    assert.ok(limited.headers.some(([name]) => name === 'retry-after'));
    assert.equal(limited.used, false);
    assert.deepEqual(limited.audited, []);
  });
});
