/**
 * The mock repo.magento.com: fast checks of its protocol details and failure modes, then real
 * Composer installing Magento Open Source straight from it in each of the three layouts.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { requireComposer, runComposer, writeComposerProject } from '../helpers/composer.js';
import { expandVersions, isJsonObject, startMockUpstream } from '../helpers/mock-upstream/index.js';
import type { JsonObject, MockUpstream, UpstreamLayout } from '../helpers/mock-upstream/index.js';
import { waitFor } from '../helpers/wait-for.js';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface GetOptions {
  auth?: boolean | { username: string; password: string };
  headers?: Record<string, string>;
  method?: string;
  body?: string;
  timeoutMs?: number;
}

/** One HTTP request on a fresh connection; rejects on connection errors, resets and timeouts. */
function get(up: MockUpstream, path: string, options: GetOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  const auth = options.auth ?? true;
  if (auth !== false) {
    const creds = auth === true ? { username: up.username, password: up.password } : auth;
    headers.Authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
  }
  return new Promise((resolve, reject) => {
    const req = request(`${up.url}${path}`, { method: options.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('response aborted')));
      res.on('end', () => {
        if (!res.complete) reject(new Error('response incomplete'));
        else resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
    });
    req.setTimeout(options.timeoutMs ?? 5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(options.body);
  });
}

function json(reply: Reply): JsonObject {
  const value: unknown = JSON.parse(reply.body.toString('utf8'));
  assert.ok(isJsonObject(value), 'expected a JSON object');
  return value;
}

function obj(value: unknown, what: string): JsonObject {
  assert.ok(isJsonObject(value), `${what} should be an object`);
  return value;
}

function list(value: unknown, what: string): unknown[] {
  assert.ok(Array.isArray(value), `${what} should be a list`);
  return value;
}

const sha1 = (b: Uint8Array): string => createHash('sha1').update(b).digest('hex');
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

void describe('mock upstream', () => {
  const ups: MockUpstream[] = [];
  const start = async (layout: UpstreamLayout): Promise<MockUpstream> => {
    const up = await startMockUpstream({ layout });
    ups.push(up);
    return up;
  };
  after(async () => {
    await Promise.all(ups.map((u) => u.close()));
  });

  void test('package set: Magento-like, deterministic, offline-resolvable', async () => {
    const up = await start('composer2');
    const names = up.packages.names();
    assert.ok(names.length >= 220 && names.length <= 250, `~230 packages, got ${names.length}`);
    const ce = up.packages.find('magento/product-community-edition', '2.4.7');
    assert.ok(ce);
    assert.equal(ce.type, 'metapackage');
    assert.equal(ce.dist, false);
    const required = Object.keys(ce.require).filter((n) => n.startsWith('magento/module-'));
    assert.ok(required.length >= 185, `CE requires ~190 modules, got ${required.length}`);
    for (const name of names) {
      for (const v of up.packages.versions(name)) {
        for (const dep of Object.keys(v.require)) {
          assert.ok(dep === 'php' || up.packages.has(dep), `${name} ${v.version} requires unknown ${dep}`);
        }
      }
    }
    assert.deepEqual(up.packages.devVersions('mageplaza/module-smtp').map((v) => v.versionNormalized), ['dev-main']);
    const other = await start('composer2');
    assert.equal(other.packages.shasum('magento/module-catalog', '104.0.7'), up.packages.shasum('magento/module-catalog', '104.0.7'));
    assert.ok(up.packages.archive('magento/magento2-base', '2.4.7').length > 1_000_000);
  });

  void test('composer2: packages.json is PHP json_encode output with metadata-url and available-packages', async () => {
    const up = await start('composer2');
    const reply = await get(up, '/packages.json');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], 'application/json');
    const text = reply.body.toString('utf8');
    assert.ok(text.includes('"metadata-url":"\\/p2\\/%package%.json"'), text.slice(0, 200));
    assert.ok(text.includes(`"notify-batch":"${up.url.replace(/\//g, '\\/')}\\/notify-batch"`));
    assert.ok(!text.includes('\n') && !text.includes('": '), 'not pretty-printed');
    assert.ok(text.startsWith('{"packages":[],'), 'empty packages is a PHP list');
    const root = json(reply);
    assert.deepEqual(list(root['available-packages'], 'available-packages'), up.packages.names());
  });

  void test('composer2: minified p2 expands back to the full entries; ~dev.json split', async () => {
    const up = await start('composer2');
    for (const name of ['magento/module-catalog', 'yotpo/module-review', 'magento/product-community-edition']) {
      const reply = await get(up, `/p2/${name}.json`);
      assert.equal(reply.status, 200);
      const doc = json(reply);
      assert.equal(doc.minified, 'composer/2.0');
      const versions = list(obj(doc.packages, 'packages')[name], name).map((v) => obj(v, 'version'));
      assert.equal(Object.keys(obj(doc.packages, 'packages')).length, 1, 'only the named package');
      const expanded = expandVersions(versions);
      assert.deepEqual(expanded, up.packages.stableVersions(name).map((v) => up.packages.entry(v)));
      assert.ok(versions.length < 2 || !('name' in (versions[1] ?? {})), 'later entries carry only differences');
    }
    const yotpo = (await get(up, '/p2/yotpo/module-review.json')).body.toString('utf8');
    assert.ok(yotpo.includes('"extra":"__unset"'), 'a key dropped by an older version is "__unset"');
    const smtpDev = json(await get(up, '/p2/mageplaza/module-smtp~dev.json'));
    const devVersions = list(obj(smtpDev.packages, 'packages')['mageplaza/module-smtp'], 'dev');
    assert.equal(obj(devVersions[0], 'dev-main').version_normalized, 'dev-main');
    const catalogDev = await get(up, '/p2/magento/module-catalog~dev.json');
    assert.equal(catalogDev.body.toString(), '{"minified":"composer\\/2.0","packages":{"magento\\/module-catalog":[]}}');
    assert.equal((await get(up, '/p2/acme/unknown.json')).status, 404);
    const entry = up.packages.entry(up.packages.stableVersions('magento/module-catalog')[0] ?? assert.fail('no version'));
    assert.deepEqual(obj(entry.autoload, 'autoload')['psr-4'], { 'Magento\\Catalog\\': '' });
    assert.deepEqual(obj(entry.dist, 'dist').url, `${up.url}/archives/magento/module-catalog/magento-module-catalog-104.0.7.0.zip`);
  });

  void test('providers: every sha256 in the chain verifies; $ raw or %24; wrong hash is 404', async () => {
    const up = await start('providers');
    const root = json(await get(up, '/packages.json'));
    assert.equal(root['providers-url'], '/p/%package%$%hash%.json');
    assert.ok(!('metadata-url' in root));
    const includes = obj(root['provider-includes'], 'provider-includes');
    assert.deepEqual(Object.keys(includes), ['p/provider-ce$%hash%.json', 'p/provider-ee$%hash%.json', 'p/provider-marketplace$%hash%.json']);
    const listed: Record<string, string> = {};
    for (const [template, meta] of Object.entries(includes)) {
      const hash = obj(meta, template).sha256;
      assert.equal(typeof hash, 'string');
      const reply = await get(up, `/${template.replace('%hash%', String(hash))}`);
      assert.equal(reply.status, 200, template);
      assert.equal(sha256(reply.body), hash);
      for (const [name, m] of Object.entries(obj(json(reply).providers, 'providers'))) listed[name] = String(obj(m, name).sha256);
    }
    assert.deepEqual(Object.keys(listed).sort(), up.packages.names());
    for (const name of ['magento/product-community-edition', 'magento/module-catalog', 'mageplaza/module-smtp']) {
      const hash = listed[name] ?? assert.fail(name);
      const encoded = await get(up, `/p/${name}%24${hash}.json`);
      const raw = await get(up, `/p/${name}$${hash}.json`);
      assert.equal(encoded.status, 200);
      assert.deepEqual(raw.body, encoded.body);
      assert.equal(sha256(encoded.body), hash);
      const versions = obj(obj(json(encoded).packages, 'packages')[name], name);
      assert.equal(Object.keys(versions).length, up.packages.versions(name).length);
      for (const v of Object.values(versions)) assert.ok(Number.isInteger(obj(v, 'version').uid), 'uid is an integer');
    }
    assert.equal((await get(up, `/p/magento/module-catalog%24${'0'.repeat(64)}.json`)).status, 404);
    assert.equal((await get(up, '/p2/magento/module-catalog.json')).status, 404, 'no p2 in the providers layout');
  });

  void test('inline: one packages.json with every version', async () => {
    const up = await start('inline');
    const reply = await get(up, '/packages.json');
    const packages = obj(json(reply).packages, 'packages');
    let count = 0;
    for (const versions of Object.values(packages)) count += Object.keys(obj(versions, 'versions')).length;
    assert.equal(count, up.packages.versionCount);
    assert.ok(reply.body.toString().includes('"url":"http:\\/\\/127.0.0.1:'));
  });

  void test('Basic auth: 401 with WWW-Authenticate and a warning for missing or wrong keys', async () => {
    const up = await start('composer2');
    for (const auth of [false, { username: up.username, password: 'f'.repeat(32) }] as const) {
      const reply = await get(up, '/packages.json', { auth });
      assert.equal(reply.status, 401);
      assert.equal(reply.headers['www-authenticate'], 'Basic realm="Magento Repository"');
      assert.match(String(json(reply).warning), /authentication keys are invalid/);
    }
    assert.equal((await get(up, '/archives/magento/framework/magento-framework-103.0.7.0.zip', { auth: false })).status, 401);
    assert.equal(up.count((r) => !r.authorized && r.status === 401), 3);
    assert.match(up.username, /^[0-9a-f]{32}$/);
    assert.match(up.password, /^[0-9a-f]{32}$/);
  });

  void test('conditional requests: 304 without a body; gzip on request', async () => {
    const up = await start('composer2');
    const first = await get(up, '/p2/magento/framework.json');
    const lastModified = String(first.headers['last-modified']);
    assert.ok(!Number.isNaN(Date.parse(lastModified)));
    const ims = await get(up, '/p2/magento/framework.json', { headers: { 'If-Modified-Since': lastModified } });
    assert.equal(ims.status, 304);
    assert.equal(ims.body.length, 0);
    const older = new Date(Date.parse(lastModified) - 1000).toUTCString();
    assert.equal((await get(up, '/p2/magento/framework.json', { headers: { 'If-Modified-Since': older } })).status, 200);
    const inm = await get(up, '/p2/magento/framework.json', { headers: { 'If-None-Match': String(first.headers.etag) } });
    assert.equal(inm.status, 304);
    const gz = await get(up, '/p2/magento/framework.json', { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.deepEqual(gunzipSync(gz.body), first.body);
    assert.equal(up.requests.find((r) => r.status === 304)?.ifModifiedSince, lastModified);
  });

  void test('archives: valid zip, sha1 = metadata shasum, 404 for unknown; notify-batch recorded', async () => {
    const up = await start('composer2');
    const v = up.packages.find('magento/module-catalog', '104.0.7') ?? assert.fail('missing');
    const entry = up.packages.entry(v);
    const dist = obj(entry.dist, 'dist');
    const reply = await get(up, new URL(String(dist.url)).pathname);
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], 'application/zip');
    assert.equal(Number(reply.headers['content-length']), reply.body.length);
    assert.equal(sha1(reply.body), dist.shasum);
    assert.equal(reply.body.readUInt32LE(0), 0x04034b50, 'zip local file header');
    assert.equal(dist.reference, null);
    assert.equal((await get(up, '/archives/magento/module-catalog/magento-module-catalog-1.0.0.0.zip')).status, 404);
    const notify = await get(up, '/notify-batch', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"downloads":[{"name":"magento/module-catalog","version":"104.0.7.0"}]}',
    });
    assert.equal(notify.status, 200);
    assert.deepEqual(json(notify), { status: 'success' });
    assert.deepEqual(up.notifications, [{ downloads: [{ name: 'magento/module-catalog', version: '104.0.7.0' }] }]);
  });

  void test('republishArchive: same URL, new bytes and shasum, Last-Modified moves; addVersion publishes', async () => {
    const up = await start('composer2');
    const path = '/archives/magento/module-catalog/magento-module-catalog-104.0.7.0.zip';
    const before = await get(up, path);
    const p2Before = await get(up, '/p2/magento/module-catalog.json');
    up.republishArchive('magento/module-catalog', '104.0.7');
    const after = await get(up, path);
    assert.notEqual(sha1(after.body), sha1(before.body));
    assert.equal(up.packages.shasum('magento/module-catalog', '104.0.7'), sha1(after.body));
    const p2After = await get(up, '/p2/magento/module-catalog.json', { headers: { 'If-Modified-Since': String(p2Before.headers['last-modified']) } });
    assert.equal(p2After.status, 200, 'changed document is not 304');
    assert.ok(Date.parse(String(p2After.headers['last-modified'])) > Date.parse(String(p2Before.headers['last-modified'])));
    const newest = obj(list(obj(json(p2After).packages, 'packages')['magento/module-catalog'], 'versions')[0], 'entry');
    assert.equal(obj(newest.dist, 'dist').shasum, sha1(after.body));

    up.addVersion('magento/module-catalog', '104.0.8');
    const p2New = json(await get(up, '/p2/magento/module-catalog.json'));
    const first = obj(list(obj(p2New.packages, 'packages')['magento/module-catalog'], 'versions')[0], 'entry');
    assert.equal(first.version, '104.0.8');
    assert.equal(first.version_normalized, '104.0.8.0');
    assert.equal((await get(up, '/archives/magento/module-catalog/magento-module-catalog-104.0.8.0.zip')).status, 200);
    up.addVersion('acme/new-module', '1.0.0');
    assert.ok(list(json(await get(up, '/packages.json'))['available-packages'], 'names').includes('acme/new-module'));
  });

  void test('failure modes', async () => {
    const up = await start('composer2');
    const p2 = '/p2/magento/framework.json';
    const onlyP2 = (p: string): boolean => p.startsWith('/p2/');

    await up.setFailure('5xx', onlyP2);
    const fiveXx = await get(up, p2);
    assert.equal(fiveXx.status, 503);
    assert.match(fiveXx.body.toString(), /<html>/);
    assert.equal((await get(up, '/packages.json')).status, 200, 'filter leaves other paths alone');

    await up.setFailure('truncated-json');
    const truncated = await get(up, p2);
    const full = up.documents.lookup(p2) ?? assert.fail('doc');
    assert.equal(truncated.status, 200);
    assert.equal(truncated.body.length, Math.floor(full.body.length / 2));
    assert.equal(Number(truncated.headers['content-length']), truncated.body.length);
    assert.throws(() => JSON.parse(truncated.body.toString()));

    await up.setFailure('invalid-json');
    const invalid = await get(up, p2);
    assert.equal(invalid.headers['content-type'], 'application/json');
    assert.equal(invalid.body.toString(), '<html>oops</html>');

    await up.setFailure('auth-401');
    const revoked = await get(up, p2);
    assert.equal(revoked.status, 401);
    assert.match(String(json(revoked).warning), /invalid/);
    await up.setFailure('auth-403');
    assert.equal((await get(up, p2)).status, 403);

    await up.setFailure('reset', (p) => p.startsWith('/archives/'));
    await assert.rejects(get(up, '/archives/magento/magento2-base/magento-magento2-base-2.4.7.0.zip'));
    assert.equal(up.requests.at(-1)?.failure, 'reset');
    assert.equal((await get(up, p2)).status, 200);

    await up.setFailure('hang', onlyP2);
    const hungAt = Date.now();
    await assert.rejects(get(up, p2, { timeoutMs: 300 }), /timeout/);
    assert.ok(Date.now() - hungAt >= 250);

    const url = up.url;
    await up.setFailure('down');
    await assert.rejects(get(up, '/packages.json'), /ECONNREFUSED/);
    await up.setFailure('none');
    assert.equal(up.url, url);
    assert.equal((await get(up, p2)).status, 200, 'back on the same port');
    assert.equal(up.count((r) => r.failure !== undefined), 7, "every failed request is recorded with its mode");
  });

  void test('hanging requests do not keep close() waiting', async () => {
    const up = await startMockUpstream({ layout: 'inline' });
    await up.setFailure('hang');
    const pending = get(up, '/packages.json', { timeoutMs: 30_000 }).then(
      () => 'answered',
      () => 'failed',
    );
    await waitFor(() => up.requests.some((r) => r.failure === 'hang'), { what: 'the request to hang on the server' });
    const closing = Date.now();
    await up.close();
    assert.ok(Date.now() - closing < 1000);
    assert.equal(await pending, 'failed');
  });

  void test('latency and bandwidth', async () => {
    const up = await startMockUpstream({ layout: 'composer2', latencyMs: 150 });
    ups.push(up);
    let t0 = Date.now();
    await get(up, '/packages.json');
    assert.ok(Date.now() - t0 >= 140, 'latency applied');
    up.setLatency(0);
    up.setBandwidth(50_000);
    const size = up.documents.lookup('/p2/magento/product-community-edition.json')?.body.length ?? 0;
    t0 = Date.now();
    const reply = await get(up, '/p2/magento/product-community-edition.json');
    const elapsed = Date.now() - t0;
    assert.equal(reply.body.length, size);
    assert.ok(elapsed >= (size / 50_000) * 1000 * 0.7, `paced: ${size} bytes took ${elapsed} ms`);
    up.setBandwidth(undefined);
  });

  void test('cli prints one JSON line and stops on SIGTERM', async () => {
    const cli = fileURLToPath(new URL('../helpers/mock-upstream/cli.js', import.meta.url));
    const child = spawn(process.execPath, [cli, '--layout', 'providers', '--port', '0', '--latency-ms', '5'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        out += c;
        if (out.includes('\n')) resolve(out.split('\n')[0] ?? '');
      });
      child.on('error', reject);
      child.on('exit', (code) => reject(new Error(`cli exited early (${String(code)})`)));
    });
    const info = obj(JSON.parse(line), 'cli line');
    assert.equal(info.layout, 'providers');
    assert.match(String(info.url), /^http:\/\/127\.0\.0\.1:\d+$/);
    const port = Number(new URL(String(info.url)).port);
    const reply = await new Promise<number>((resolve, reject) => {
      const auth = Buffer.from(`${String(info.username)}:${String(info.password)}`).toString('base64');
      request({ host: '127.0.0.1', port, path: '/packages.json', headers: { Authorization: `Basic ${auth}` }, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    assert.equal(reply, 200);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});

interface LockPackage {
  name: string;
  version: string;
  dist?: { url: string; shasum: string };
}

function lockPackages(lock: unknown): LockPackage[] {
  const packages = list(obj(lock, 'composer.lock').packages, 'packages');
  return packages.map((p) => {
    const o = obj(p, 'lock entry');
    const out: LockPackage = { name: String(o.name), version: String(o.version) };
    if (isJsonObject(o.dist)) out.dist = { url: String(o.dist.url), shasum: String(o.dist.shasum) };
    return out;
  });
}

void describe('real Composer installs Magento Open Source from the mock', () => {
  let work = '';
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'repogate-mock-composer-'));
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  for (const layout of ['composer2', 'providers', 'inline'] as const) {
    void test(`${layout} layout`, { timeout: 120_000 }, async (t) => {
      if (!requireComposer(t)) return;
      const up = await startMockUpstream({ layout });
      t.after(() => up.close());
      const home = join(work, layout, 'home');
      const auth = { host: new URL(up.url).host, username: up.username, password: up.password };
      const require = { 'magento/product-community-edition': '2.4.7', 'mageplaza/module-smtp': '*' };

      const dir1 = join(work, layout, 'first');
      await writeComposerProject(dir1, { repositoryUrl: up.url, require, auth });
      const first = await runComposer(['install'], { cwd: dir1, home });
      assert.equal(first.code, 0, `composer install failed:\n${first.stdout}\n${first.stderr}`);
      t.diagnostic(`${layout}: cold install ${first.durationMs} ms, ${up.count()} requests, ${up.connectionCount} connections, peak ${up.peakConcurrency} in flight`);

      const installed = list(obj(JSON.parse(await readFile(join(dir1, 'vendor/composer/installed.json'), 'utf8')), 'installed').packages, 'installed');
      assert.ok(installed.length >= 195, `installed ${installed.length}`);
      const lock = lockPackages(JSON.parse(await readFile(join(dir1, 'composer.lock'), 'utf8')));
      assert.equal(lock.length, installed.length);
      assert.ok(lock.some((p) => p.name === 'magento/product-community-edition' && p.version === '2.4.7'));
      assert.ok(lock.some((p) => p.name === 'mageplaza/module-smtp' && p.version === '4.7.6'));
      const withDist = lock.filter((p) => p.dist !== undefined);
      assert.equal(withDist.length, lock.length - 1, 'every package but the metapackage has a dist');
      for (const p of withDist) {
        assert.ok(p.dist?.url.startsWith(`${up.url}/archives/${p.name}/`), p.dist?.url);
        assert.equal(p.dist?.shasum, up.packages.shasum(p.name, p.version));
      }

      assert.equal(up.count((r) => !r.authorized), 0, 'credentials sent up front on every request');
      assert.equal(up.count((r) => r.path.startsWith('/archives/') && r.status === 200), withDist.length);
      assert.equal(up.count((r) => r.path === '/packages.json'), 1);
      const downloads = list(obj(up.notifications[0], 'notification').downloads, 'downloads');
      assert.equal(downloads.length, installed.length);
      if (layout === 'composer2') {
        assert.ok(up.count((r) => r.path.startsWith('/p2/')) >= installed.length);
        assert.equal(up.count((r) => r.path.endsWith('~dev.json')), 0, 'no ~dev.json at minimum-stability stable');
        assert.equal(up.count((r) => r.status === 404), 0, 'available-packages keeps Composer from guessing');
      } else if (layout === 'providers') {
        assert.equal(up.count((r) => r.path.startsWith('/p/provider-')), 3);
        assert.ok(up.count((r) => r.path.startsWith('/p/magento/')) >= installed.length - 5);
        assert.ok(up.requests.filter((r) => r.path.startsWith('/p/')).every((r) => r.rawPath.includes('%24')), 'Composer sends $ as %24');
      } else {
        assert.equal(up.count((r) => !r.path.startsWith('/archives/') && r.method === 'GET'), 1, 'inline: packages.json only');
      }

      up.resetRequests();
      const dir2 = join(work, layout, 'second');
      await writeComposerProject(dir2, { repositoryUrl: up.url, require, auth });
      const second = await runComposer(['install'], { cwd: dir2, home });
      assert.equal(second.code, 0, `second install failed:\n${second.stdout}\n${second.stderr}`);
      t.diagnostic(`${layout}: warm-cache install ${second.durationMs} ms, ${up.count()} requests`);
      const root = up.requests.find((r) => r.path === '/packages.json');
      assert.ok(root?.ifModifiedSince, 'packages.json revalidated with If-Modified-Since');
      assert.equal(root.status, 304);
      assert.equal(up.count((r) => r.path.startsWith('/archives/')), 0, 'archives come from Composer\'s cache');
      assert.equal(up.count((r) => r.ifNoneMatch !== undefined), 0, 'Composer never sends If-None-Match');
      if (layout === 'composer2') {
        const p2 = up.requests.filter((r) => r.path.startsWith('/p2/'));
        assert.ok(p2.length >= installed.length);
        assert.ok(p2.every((r) => r.ifModifiedSince !== undefined && r.status === 304), 'every p2 file revalidated → 304');
      } else {
        assert.equal(up.count((r) => r.path.startsWith('/p/')), 0, 'provider files trusted by sha256 from the cache');
      }
    });
  }
});
