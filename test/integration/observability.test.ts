import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startRetention } from '../../src/registry/retention.js';
import { createLogger } from '../../src/logger.js';
import { runCli } from '../helpers/cli.js';
import type { MockUpstream } from '../helpers/mock-upstream/index.js';
import { createTestKey, startStack, testActor, type TestKey, type TestRepogate, type TestStack } from '../helpers/repogate.js';
import { waitForValue } from '../helpers/wait-for.js';

const adminToken = 'operator-token-for-tests-0123456789';

describe('metrics and the audit trail', () => {
  let stack: TestStack;
  let upstream: MockUpstream;
  let repogate: TestRepogate;
  let key: TestKey;

  before(async () => {
    stack = await startStack({ env: { REPOGATE_ADMIN_TOKEN: adminToken }, keyName: 'metrics ci' });
    ({ upstream, repogate, key } = stack);
  });
  after(() => stack.close());

  const get = (path: string, authorization?: string): Promise<Response> =>
    fetch(`${repogate.url}${path}`, { headers: authorization ? { authorization } : {} });

  test('metrics appear with the right labels after traffic, behind the operator token', async () => {
    for (let i = 0; i < 3; i++) await (await get('/p2/magento/module-catalog.json', key.authorization)).arrayBuffer();
    await (await get('/p2/magento/module-catalog.json')).arrayBuffer();
    await (await get('/p2/magento/product-enterprise-edition.json', key.authorization)).arrayBuffer();
    const meta = (await (await get('/p2/mageplaza/module-smtp.json', key.authorization)).json()) as {
      packages: Record<string, Array<{ dist?: { url: string } }>>;
    };
    await (await fetch(meta.packages['mageplaza/module-smtp']![0]!.dist!.url, { headers: { authorization: key.authorization } })).arrayBuffer();

    assert.equal((await fetch(`${repogate.adminUrl}/metrics`)).status, 401);
    assert.equal((await fetch(`${repogate.adminUrl}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    const response = await fetch(`${repogate.adminUrl}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } });
    assert.equal(response.status, 200);
    const text = await response.text();
    const value = (series: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      assert.ok(line, `${series} is exported`);
      return Number(line.split(' ')[1]);
    };
    assert.ok(value('repogate_http_requests_total{listener="composer",route="p2",status="200"}') >= 4);
    assert.ok(value('repogate_http_requests_total{listener="composer",route="p2",status="401"}') >= 1);
    assert.ok(value('repogate_http_requests_total{listener="composer",route="archive",status="200"}') >= 1);
    assert.ok(value('repogate_http_request_duration_seconds_count{listener="composer",route="p2"}') >= 5);
    assert.ok(value('repogate_auth_refusals_total{code="AUTH_REQUIRED"}') >= 1);
    assert.ok(value('repogate_auth_refusals_total{code="NOT_ENTITLED"}') >= 1);
    assert.ok(value('repogate_cache_lookups_total{tier="memory",outcome="hit"}') >= 2);
    assert.ok(value('repogate_cache_lookups_total{tier="upstream",outcome="miss"}') >= 1);
    assert.ok(value('repogate_upstream_requests_total{source="default",kind="document",status="200"}') >= 1);
    assert.ok(value('repogate_upstream_requests_total{source="default",kind="archive",status="200"}') >= 1);
    assert.equal(value('repogate_upstream_circuit_state{source="default"}'), 0);
    assert.ok(value('repogate_registry_keys{status="enabled"}') >= 1);
    assert.ok(value('repogate_registry_accounts{status="active"}') >= 1);
    assert.match(text, /^repogate_process_cpu_user_seconds_total /m);
    assert.ok(!text.includes(upstream.password) && !text.includes(key.privateKey));
  });

  test('the audit trail lists what each key fetched and every change with its actor', async () => {
    await (await get('/p2/magento/module-sales.json', key.authorization)).arrayBuffer();
    await repogate.registry.keys.rename(key.publicKey, 'metrics ci (renamed)', testActor);
    const cli = await runCli(['keys', 'disable', key.publicKey], { dataDir: repogate.dataDir });
    assert.equal(cli.code, 0, cli.stderr);
    await repogate.registry.keys.enable(key.publicKey, { type: 'operator', id: 'admin-token' });
    await repogate.flushUsage();

    const events = await repogate.registry.audit.list({ publicKey: key.publicKey });
    const fetched = events.filter((e) => e.action === 'metadata.fetched').map((e) => e.detail?.['package']);
    assert.ok(fetched.includes('magento/module-sales'));
    // the first test fetched module-catalog three times: counted, not one row each (a flush may fall between them)
    const catalog = events.filter((e) => e.action === 'metadata.fetched' && e.detail?.['package'] === 'magento/module-catalog');
    assert.ok(catalog.length < 3);
    assert.equal(catalog.reduce((sum, e) => sum + Number(e.detail?.['count'] ?? 1), 0), 3);
    assert.ok(events.some((e) => e.action === 'archive.downloaded' && e.detail?.['package'] === 'mageplaza/module-smtp'));
    const actorOf = (action: string): string | undefined => {
      const e = events.find((ev) => ev.action === action);
      return e && `${e.actor.type}:${e.actor.id}`;
    };
    assert.equal(actorOf('key.created'), 'system:test');
    assert.equal(actorOf('key.renamed'), 'system:test');
    assert.match(actorOf('key.disabled') ?? '', /^cli:/);
    assert.equal(actorOf('key.enabled'), 'operator:admin-token');

    const shown = await runCli(['audit', '--key', key.publicKey, '--json'], { dataDir: repogate.dataDir });
    assert.equal(shown.code, 0, shown.stderr);
    const listed = JSON.parse(shown.stdout) as Array<{ action: string }>;
    assert.ok(listed.some((e) => e.action === 'metadata.fetched'));
    assert.ok(listed.some((e) => e.action === 'key.disabled'));
  });

  test('notify-batch bodies are recorded as download counts per package and key', async () => {
    const body = { downloads: [{ name: 'magento/framework', version: '103.0.7.0' }, { name: 'magento/module-catalog', version: '104.0.7.0' }, { name: 'magento/framework', version: '103.0.7.0' }] };
    const response = await fetch(`${repogate.url}/notify-batch`, { method: 'POST', headers: { authorization: key.authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(response.status, 200);
    assert.equal((await fetch(`${repogate.url}/notify-batch`, { method: 'POST', body: '{}' })).status, 401);
    await repogate.flushUsage();
    const today = new Date().toISOString().slice(0, 10);
    const perPackage = await repogate.registry.usage.downloadsPerPackage(today, { publicKey: key.publicKey });
    assert.deepEqual(perPackage.find((p) => p.package === 'magento/framework'), { package: 'magento/framework', count: 2 });
    const perKey = await repogate.registry.usage.downloadsPerKey(today, key.accountId);
    assert.equal(perKey.get(key.publicKey), 3);
  });

  test('the admin API serves the same audit trail, and the Access Keys page shows usage per key', async () => {
    const api = (path: string, token = adminToken): Promise<Response> =>
      fetch(`${repogate.adminUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
    const trail = (await (await api(`/audit?key=${key.publicKey}&since=1d`)).json()) as Array<{ action: string; actor: { type: string } }>;
    assert.ok(trail.some((e) => e.action === 'metadata.fetched' && e.actor.type === 'key'));
    assert.ok(trail.some((e) => e.action === 'key.created'));
    assert.equal((await api('/audit?since=yesterday')).status, 400);
    assert.equal((await api('/audit', 'not-the-token-0123456789')).status, 401);
    const openapi = (await (await fetch(`${repogate.adminUrl}/api/v1/openapi.json`)).json()) as { paths: Record<string, unknown> };
    assert.ok(openapi.paths['/audit'], 'documented in OpenAPI');

    // the page, signed in as the operator
    const cookies: string[] = [];
    const jar = (r: Response): void => {
      for (const c of r.headers.getSetCookie()) cookies.push(c.split(';')[0]!);
    };
    const form = await fetch(`${repogate.adminUrl}/sign-in`);
    jar(form);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
    const signIn = await fetch(`${repogate.adminUrl}/sign-in/operator`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies.join('; ') },
      body: new URLSearchParams({ _csrf: csrf, token: adminToken }).toString(),
    });
    assert.equal(signIn.status, 303, await signIn.text());
    jar(signIn);
    const page = await fetch(`${repogate.adminUrl}/accounts/${key.accountId}/access-keys`, { headers: { cookie: cookies.join('; ') } });
    const html = await page.text();
    assert.equal(page.status, 200);
    const row = new RegExp(`data-usage-key="${key.publicKey}">[\\s\\S]*?data-label="Downloads this week">(\\d+)<`).exec(html);
    assert.ok(row, 'the usage panel lists the key');
    assert.equal(row[1], '3', 'the three notified downloads of this week');
  });

  test('the request id is passed to the upstream', async () => {
    upstream.resetRequests();
    const response = await fetch(`${repogate.url}/p2/magento/module-newsletter.json`, { headers: { authorization: key.authorization, 'x-request-id': 'trace-abc-123' } });
    assert.equal(response.headers.get('x-request-id'), 'trace-abc-123');
    await response.arrayBuffer();
    assert.ok(upstream.requests.some((r) => r.requestId === 'trace-abc-123'));
    // the access-log line is written when the response has closed, which may be just after the client has it
    const line = await waitForValue(() => repogate.logs.find((l) => l.includes('"requestId":"trace-abc-123"')), { what: 'the access-log line of trace-abc-123' });
    const fields = JSON.parse(line) as Record<string, unknown>;
    assert.equal(fields['key'], 'metrics ci (renamed)');
    assert.equal(fields['publicKey'], key.publicKey);
    assert.equal(fields['package'], 'magento/module-newsletter');
    assert.equal(fields['status'], 200);
    // The same request again is a memory hit, answered by the warm lane: the same key and package.
    const again = await fetch(`${repogate.url}/p2/magento/module-newsletter.json`, { headers: { authorization: key.authorization, 'x-request-id': 'trace-abc-124' } });
    await again.arrayBuffer();
    const warmLine = await waitForValue(() => repogate.logs.find((l) => l.includes('"requestId":"trace-abc-124"')), { what: 'the access-log line of trace-abc-124' });
    const warm = JSON.parse(warmLine) as Record<string, unknown>;
    assert.deepEqual([warm['key'], warm['publicKey'], warm['package'], warm['cache'], warm['upstreamMs']], ['metrics ci (renamed)', key.publicKey, 'magento/module-newsletter', 'hit', 0]);
  });

  test('unused keys can be found to retire them', async () => {
    const idle = await createTestKey(repogate.registry, { accountId: key.accountId, keyName: 'idle' });
    await repogate.flushUsage();
    const result = await runCli(['keys', 'list', '--unused-since', '0h', '--json'], { dataDir: repogate.dataDir });
    const listed = (JSON.parse(result.stdout) as Array<{ publicKey: string }>).map((k) => k.publicKey);
    assert.ok(listed.includes(idle.publicKey));
    const recent = await runCli(['keys', 'list', '--unused-since', '1d', '--json'], { dataDir: repogate.dataDir });
    assert.deepEqual(JSON.parse(recent.stdout), []);
  });

  test('retention deletes events older than the configured number of days', async () => {
    const old = new Date(Date.now() - 400 * 86_400_000).toISOString();
    await repogate.registry.usage.appendActivity([
      { at: old, publicKey: key.publicKey, accountId: key.accountId, action: 'metadata.fetched', package: 'old/one', address: '127.0.0.1' },
    ]);
    const before = await repogate.registry.audit.list({ publicKey: key.publicKey, limit: 10_000 });
    assert.ok(before.some((e) => e.detail?.['package'] === 'old/one'));
    const stop = startRetention(repogate.registry, 365, createLogger({ level: 'silent' }));
    stop();
    // The first purge runs at start, asynchronously.
    const after = await waitForValue(
      async () => {
        const events = await repogate.registry.audit.list({ publicKey: key.publicKey, limit: 10_000 });
        return events.some((e) => e.detail?.['package'] === 'old/one') ? undefined : events;
      },
      { what: 'the old event to be deleted' },
    );
    assert.ok(after.some((e) => e.action === 'key.created'), 'recent events stay');
  });
});
