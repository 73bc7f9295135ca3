import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { unzipSync } from 'fflate';
import { requireComposer, runComposer, type ComposerRun } from '../helpers/composer.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { PinStore } from '../../src/archives/pin-store.js';
import { waitFor } from '../helpers/wait-for.js';
import { createTestKey, defineStandardEntitlements, startTestRepogate, type TestKey, type TestRepogate } from '../helpers/repogate.js';

const template = 'magento/project-community-edition';
const output = (run: ComposerRun): string => `${run.stdout}\n${run.stderr}`;

interface Lock {
  packages: Array<{ name: string; dist?: { url: string } }>;
  'notification-url'?: string;
}

/** The composer.json inside the upstream's archive of a template version. */
function upstreamComposerJson(upstream: MockUpstream, version: string): string {
  const files = unzipSync(upstream.packages.archive(template, version));
  return new TextDecoder().decode(files['composer.json']);
}

void describe('composer create-project through repogate, as Magento documents it', () => {
  let upstream: MockUpstream;
  let repogate: TestRepogate;
  let work: string;
  let key: TestKey;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'repogate-create-project-'));
    upstream = await startMockUpstream({ layout: 'composer2' });
    repogate = await startTestRepogate({ upstream });
    await defineStandardEntitlements(repogate.registry);
    key = await createTestKey(repogate.registry, { keyName: 'New project' });
  });
  after(async () => {
    await repogate.stop();
    await upstream.close();
    await rm(work, { recursive: true, force: true });
  });

  /** Every request the upstream saw carried the organisation's keys: none came from Composer itself. */
  const onlyRepogateAskedTheUpstream = (): void => {
    const strangers = upstream.requests.filter((r) => !r.authorized).map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(strangers, [], 'Composer never talked to the upstream host');
  };

  void test('the project names repogate; its install, update and require go only through repogate with only a repogate key', async (t) => {
    if (!requireComposer(t)) return;
    // A developer's Composer home: the repogate key (and plain http allowed, packagist.org off: offline).
    const home = join(work, 'home');
    await mkdir(home, { recursive: true });
    await writeFile(join(home, 'config.json'), JSON.stringify({ config: { 'secure-http': false }, repositories: { 'packagist.org': false } }));
    const host = new URL(repogate.url).host;
    const auth = { 'http-basic': { [host]: { username: key.publicKey, password: key.privateKey } } };
    await writeFile(join(home, 'auth.json'), JSON.stringify(auth));
    const shop = join(work, 'shop');

    const created = await runComposer(['create-project', `--repository-url=${repogate.url}`, template, shop, '--no-progress'], { cwd: work, home });
    assert.equal(created.code, 0, output(created));
    const composerJson = await readFile(join(shop, 'composer.json'), 'utf8');
    const version = (upstream.packages.stableVersions(template)[0]!).version;
    assert.equal(
      composerJson,
      upstreamComposerJson(upstream, version).replace(`"${upstream.url}/"`, `"${repogate.url}/"`),
      "the template's repositories name repogate; every other byte is the upstream's",
    );
    const lock = JSON.parse(await readFile(join(shop, 'composer.lock'), 'utf8')) as Lock;
    const dists = lock.packages.filter((p) => p.dist).map((p) => p.dist!.url);
    assert.ok(dists.length > 150, `installed ${dists.length} archives`);
    assert.ok(dists.every((url) => url.startsWith(`${repogate.url}/archives/`)), 'every dist URL in the lock points at repogate');
    onlyRepogateAskedTheUpstream();

    // Later commands, with the key in COMPOSER_AUTH instead of auth.json.
    await rm(join(home, 'auth.json'));
    const env = { COMPOSER_AUTH: JSON.stringify(auth) };
    const updated = await runComposer(['update', '--no-progress'], { cwd: shop, home, env });
    assert.equal(updated.code, 0, output(updated));
    const required = await runComposer(['require', 'mageplaza/module-smtp:^4.7', '--no-progress'], { cwd: shop, home, env });
    assert.equal(required.code, 0, output(required));
    const after = JSON.parse(await readFile(join(shop, 'composer.lock'), 'utf8')) as Lock;
    const smtp = after.packages.find((p) => p.name === 'mageplaza/module-smtp');
    assert.ok(smtp?.dist?.url.startsWith(`${repogate.url}/archives/`), 'the required package came through repogate');
    onlyRepogateAskedTheUpstream();
  });

  void test("each public base gets the template naming it, with the sha1 of those bytes in the metadata it is served", async () => {
    const version = upstream.packages.stableVersions(template)[1]!;
    for (const base of [repogate.url, repogate.url.replace('127.0.0.1', 'localhost')]) {
      const get = (path: string): Promise<Response> => fetch(`${base}${path}`, { headers: { authorization: key.authorization } });
      const distOf = async (): Promise<{ url: string; shasum: string }> => {
        const metadata = (await (await get(`/p2/${template}.json`)).json()) as { packages: Record<string, Array<{ version?: string; dist?: { url: string; shasum: string } }>> };
        const entries = metadata.packages[template]!;
        // Minified: a dist is listed where it differs from the entry before; find this version's.
        const index = entries.findIndex((e) => e.version === version.version);
        const dist = entries.slice(0, index + 1).reverse().find((e) => e.dist)?.dist;
        assert.ok(dist, `a dist for ${version.version}`);
        return dist;
      };
      const first = await distOf();
      assert.ok(first.url.startsWith(`${base}/archives/`));
      const response = await fetch(first.url, { headers: { authorization: key.authorization } });
      assert.equal(response.status, 200);
      const bytes = new Uint8Array(await response.arrayBuffer());
      const served = new TextDecoder().decode(unzipSync(bytes)['composer.json']);
      assert.match(served, new RegExp(`"url": "${base.replaceAll('.', '\\.')}/"`));
      assert.doesNotMatch(served, new RegExp(upstream.url.replaceAll('.', '\\.')));
      const sha1 = createHash('sha1').update(bytes).digest('hex');
      assert.ok(first.shasum === '' || first.shasum === sha1, 'before the bytes are pinned, no sha1; never the upstream one');
      // Once the upstream's bytes are pinned, the metadata carries the sha1 of the bytes served through this base.
      await waitFor(async () => (await distOf()).shasum === sha1, { what: `the metadata through ${base} to carry the sha1 of its template` });
      const again = new Uint8Array(await (await fetch(first.url, { headers: { authorization: key.authorization } })).arrayBuffer());
      assert.equal(createHash('sha1').update(again).digest('hex'), sha1, 'the same bytes every time');
    }
  });

  void test('an instance that never served the metadata still serves the template naming itself: first from the upstream, then from its pin', async (t) => {
    const version = upstream.packages.stableVersions(template)[2]!;
    const path = upstream.packages.archivePath(version);
    const dataDir = await mkdtemp(join(tmpdir(), 'repogate-template-pin-'));
    t.after(() => rm(dataDir, { recursive: true, force: true }));
    let otherKey: TestKey | undefined;
    const composerJsonThrough = async (): Promise<string> => {
      // A repogate of its own, started afresh on one data directory: nothing about the template in its memory.
      const other = await startTestRepogate({ upstream, dataDir });
      try {
        if (!otherKey) {
          await defineStandardEntitlements(other.registry);
          otherKey = await createTestKey(other.registry, { keyName: 'elsewhere' });
        }
        const response = await fetch(`${other.url}${path}`, { headers: { authorization: otherKey.authorization } });
        assert.equal(response.status, 200);
        const served = new TextDecoder().decode(unzipSync(new Uint8Array(await response.arrayBuffer()))['composer.json']);
        assert.match(served, new RegExp(`"url": "${other.url.replaceAll('.', '\\.')}/"`));
        // The archive is stored and pinned after the answer: stop only once it is (a loaded machine
        // stopped the first instance before, and the second had nothing pinned to serve).
        const pins = new PinStore(other.registry.context.db);
        await waitFor(async () => (await pins.lookup(path)) !== undefined, { what: 'the template to be pinned' });
        return served.replace(other.url, 'BASE');
      } finally {
        await other.stop();
      }
    };
    const first = await composerJsonThrough();
    upstream.resetRequests();
    const second = await composerJsonThrough();
    assert.equal(second, first);
    const asked = upstream.requests.filter((r) => r.path.includes('project-community-edition')).map((r) => r.path);
    assert.deepEqual(asked, [], "the second instance served the pinned bytes, told a template by the archive's own composer.json");
  });
});
