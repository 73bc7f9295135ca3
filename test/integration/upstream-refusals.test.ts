import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startStack, type TestStack } from '../helpers/repogate.js';

const adminToken = 'refusals-admin-token-0123456789';

interface ErrorBody {
  code: string;
  warning: string;
}

/** What a person reads in a refusal: that the organisation's upstream keys are not entitled to it, or it doesn't exist. */
const notEntitledReason = /not entitled to it, or it does not exist upstream/;

/**
 * repo.magento.com answers 403 (sometimes 404, or 401) for one archive or one package the organisation
 * is not entitled to, while everything else works. That is not a credentials failure: repogate answers
 * 404 with the reason and warns the operator naming the package; only a refused root document, or 401s
 * that keep coming, raise the credentials alarm (502 UPSTREAM_AUTH).
 */
void describe('the upstream refusing one file', () => {
  let s: TestStack;
  before(async () => {
    s = await startStack({ env: { REPOGATE_ADMIN_TOKEN: adminToken }, grants: ['everything'] });
  });
  after(() => s.close());

  const get = (path: string): Promise<Response> => fetch(`${s.repogate.url}${path}`, { headers: { authorization: s.key.authorization } });
  const distPath = async (name: string): Promise<string> => {
    const meta = (await (await get(`/p2/${name}.json`)).json()) as { packages: Record<string, Array<{ dist?: { url: string } }>> };
    return new URL(meta.packages[name]![0]!.dist!.url).pathname;
  };
  const metric = async (series: string): Promise<number> => {
    const text = await (await fetch(`${s.repogate.adminUrl}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })).text();
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? 0 : Number(line.split(' ')[1]);
  };
  const warnings = (name: string): string[] =>
    s.repogate.logs.filter((line) => {
      const entry = JSON.parse(line) as { level: number; package?: string; msg: string };
      return entry.level === 40 && entry.package === name && notEntitledReason.test(entry.msg);
    });
  const alarms = (): number => s.repogate.logs.filter((line) => line.includes('UPSTREAM REFUSED THE ORGANISATION KEYS')).length;

  void test('a 403 for one archive is a 404 with the reason, remembered for a while; other archives download; no credentials alarm', async () => {
    const smtp = await distPath('mageplaza/module-smtp');
    const base = await distPath('amasty/base');
    await s.upstream.setFailure('auth-403', (path) => path === smtp);
    try {
      const refused = await get(smtp);
      assert.equal(refused.status, 404);
      assert.equal(refused.headers.get('www-authenticate'), null);
      const body = (await refused.json()) as ErrorBody;
      assert.equal(body.code, 'UPSTREAM_NOT_ENTITLED');
      assert.match(body.warning, notEntitledReason);

      const again = await get(smtp);
      assert.equal(again.status, 404);
      assert.equal(((await again.json()) as ErrorBody).code, 'UPSTREAM_NOT_ENTITLED');
      assert.equal(s.upstream.count((r) => r.path === smtp), 1, 'the refusal is remembered: the upstream is asked once');

      const other = await get(base);
      assert.equal(other.status, 200);
      await other.arrayBuffer();
    } finally {
      await s.upstream.setFailure('none');
    }
    assert.equal(warnings('mageplaza/module-smtp').length, 1, 'one warning for the operator, naming the package');
    assert.equal(alarms(), 0);
    assert.equal(await metric('repogate_upstream_errors_total{source="default",code="UPSTREAM_NOT_ENTITLED"}'), 1);
    assert.equal(await metric('repogate_upstream_errors_total{source="default",code="UPSTREAM_AUTH"}'), 0);
  });

  void test("a 403 for one package's metadata is a 404 with the reason; other packages resolve", async () => {
    await s.upstream.setFailure('auth-403', (path) => path === '/p2/magento/module-cms.json');
    try {
      const refused = await get('/p2/magento/module-cms.json');
      assert.equal(refused.status, 404);
      const body = (await refused.json()) as ErrorBody;
      assert.equal(body.code, 'UPSTREAM_NOT_ENTITLED');
      assert.match(body.warning, notEntitledReason);
      assert.equal((await get('/p2/magento/module-catalog.json')).status, 200);
    } finally {
      await s.upstream.setFailure('none');
    }
    assert.ok(warnings('magento/module-cms').length >= 1, 'a warning for the operator, naming the package');
    assert.equal(alarms(), 0);
  });

  void test('a 404 for an archive is a 404 with the reason and a warning naming the package', async () => {
    const missing = '/archives/magento/module-sales/magento-module-sales-999.0.0.0-patch3.zip';
    const response = await get(missing);
    assert.equal(response.status, 404);
    const body = (await response.json()) as ErrorBody;
    assert.equal(body.code, 'NOT_FOUND');
    assert.match(body.warning, notEntitledReason);
    assert.equal(warnings('magento/module-sales').length, 1);
    assert.equal(alarms(), 0);
  });
});

void describe('the upstream refusing the organisation keys', () => {
  let s: TestStack;
  before(async () => {
    s = await startStack({ grants: ['everything'] });
  });
  after(() => s.close());

  const get = (path: string): Promise<Response> => fetch(`${s.repogate.url}${path}`, { headers: { authorization: s.key.authorization } });
  const codeOf = async (response: Response): Promise<string> => ((await response.json()) as ErrorBody).code;
  const alarms = (): number => s.repogate.logs.filter((line) => line.includes('UPSTREAM REFUSED THE ORGANISATION KEYS')).length;

  void test('a 403 (or 401) on the root document is a 502 UPSTREAM_AUTH with the alarm', async () => {
    await s.upstream.setFailure('auth-403', (path) => path === '/packages.json');
    try {
      const root = await get('/packages.json');
      assert.equal(root.status, 502);
      assert.equal(await codeOf(root), 'UPSTREAM_AUTH');
      assert.equal(alarms(), 1);
    } finally {
      await s.upstream.setFailure('none');
    }
    await s.upstream.setFailure('auth-401', (path) => path === '/packages.json');
    try {
      const root = await get('/packages.json');
      assert.equal(root.status, 502);
      assert.equal(await codeOf(root), 'UPSTREAM_AUTH');
      assert.equal(alarms(), 2);
    } finally {
      await s.upstream.setFailure('none');
    }
    // The upstream lists a package it then has no metadata for.
    s.upstream.setRootFields({ 'available-packages': [...s.upstream.packages.names(), 'acme/listed-but-absent'] });
    assert.equal((await get('/packages.json')).status, 200);
    const absent = await get('/p2/acme/listed-but-absent.json');
    assert.equal(absent.status, 404);
    const body = (await absent.json()) as ErrorBody;
    assert.equal(body.code, 'NOT_FOUND');
    assert.match(body.warning, notEntitledReason);
    assert.ok(s.repogate.logs.some((line) => line.includes('"package":"acme/listed-but-absent"') && notEntitledReason.test(line)));
    assert.equal(alarms(), 2);
  });

  void test('401s that keep coming for single archives become the alarm; a success in between resets the count', async () => {
    const paths: string[] = [];
    for (const name of ['magento/module-cron', 'magento/module-cms', 'magento/module-tax', 'magento/module-email', 'magento/module-rss']) {
      const meta = (await (await get(`/p2/${name}.json`)).json()) as { packages: Record<string, Array<{ dist?: { url: string } }>> };
      paths.push(new URL(meta.packages[name]![0]!.dist!.url).pathname);
    }
    const before = alarms();
    await s.upstream.setFailure('auth-401', (path) => path.startsWith('/archives/') && path !== paths[4]);
    try {
      assert.equal(await codeOf(await get(paths[0]!)), 'UPSTREAM_NOT_ENTITLED');
      assert.equal(await codeOf(await get(paths[1]!)), 'UPSTREAM_NOT_ENTITLED');
      const ok = await get(paths[4]!);
      assert.equal(ok.status, 200, 'a success ends the run of 401s');
      await ok.arrayBuffer();
      assert.equal(await codeOf(await get(paths[2]!)), 'UPSTREAM_NOT_ENTITLED');
      assert.equal(await codeOf(await get(paths[3]!)), 'UPSTREAM_NOT_ENTITLED');
      assert.equal(alarms(), before);
      // Paths 0 and 1 are remembered as refused; a fresh path is the third 401 in a row.
      const fresh = paths[3]!.replace(/\.zip$/, '.0.zip');
      const alarm = await get(fresh);
      assert.equal(alarm.status, 502);
      assert.equal(await codeOf(alarm), 'UPSTREAM_AUTH');
      assert.equal(alarms(), before + 1);
    } finally {
      await s.upstream.setFailure('none');
    }
  });
});

void describe('the upstream refusing one of its provider-includes (Composer 1 layout)', () => {
  let s: TestStack;
  before(async () => {
    s = await startStack({ layout: 'providers', grants: ['everything'] });
  });
  after(() => s.close());

  void test('the packages it lists are left out, with a warning; the other includes are served', async () => {
    await s.upstream.setFailure('auth-403', (path) => path.startsWith('/p/provider-marketplace$'));
    let root: { 'available-packages': string[] };
    try {
      const response = await fetch(`${s.repogate.url}/packages.json`, { headers: { authorization: s.key.authorization } });
      assert.equal(response.status, 200);
      root = (await response.json()) as typeof root;
    } finally {
      await s.upstream.setFailure('none');
    }
    const vendors = new Set(root['available-packages'].map((name) => name.split('/')[0]));
    assert.deepEqual([...vendors], ['magento'], 'Open Source and Commerce from their includes; no Marketplace vendor');
    assert.ok(root['available-packages'].includes('magento/product-enterprise-edition'));
    assert.ok(s.repogate.logs.some((line) => line.includes('provider-marketplace') && notEntitledReason.test(line)));
    assert.ok(!s.repogate.logs.some((line) => line.includes('UPSTREAM REFUSED THE ORGANISATION KEYS')));
  });
});
