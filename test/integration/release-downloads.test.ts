import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { basic, startTestRepogate, testActor, type TestRepogate } from '../helpers/repogate.js';

const orgMageId = 'MAG900900900';
const orgToken = 'organisation-downloads-token-0123456789';

/** A stand-in for the release downloads site: answers only the organisation's MAGEID:TOKEN. */
async function startReleasesSite(): Promise<{ url: string; server: Server; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.url} ${req.headers.authorization ?? ''}`);
    if (req.headers.authorization !== basic(orgMageId, orgToken)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="downloads"' }).end('denied');
      return;
    }
    if (req.url === '/products/downloads/info/help') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('release downloads help\n');
      return;
    }
    if (req.url?.startsWith('/products/downloads/file/')) {
      const body = Buffer.alloc(300_000, 7);
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': body.length, 'content-disposition': 'attachment; filename="release.zip"' }).end(body);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, seen };
}

describe('release downloads with MAGEID:TOKEN', () => {
  let upstream: MockUpstream;
  let site: Awaited<ReturnType<typeof startReleasesSite>>;
  let repogate: TestRepogate;

  before(async () => {
    upstream = await startMockUpstream({ layout: 'composer2' });
    site = await startReleasesSite();
    repogate = await startTestRepogate({
      upstream,
      env: { REPOGATE_DOWNLOADS_URL: site.url, REPOGATE_DOWNLOADS_MAGEID: orgMageId, REPOGATE_DOWNLOADS_TOKEN: orgToken },
    });
    await repogate.registry.accounts.create({ id: 'MAG123', name: 'Releases' }, testActor);
  });
  after(async () => {
    await repogate.stop();
    await upstream.close();
    await new Promise((resolve) => site.server.close(resolve));
  });

  const download = (path: string, authorization?: string): Promise<Response> =>
    fetch(`${repogate.url}/products/downloads/${path}`, { headers: authorization ? { authorization } : {} });

  test("the account's current token downloads through repogate with the organisation's credentials; a new token disables the old one", async () => {
    const first = await repogate.registry.tokens.generate('MAG123', testActor);
    const help = await download('info/help', basic('MAG123', first.token));
    assert.equal(help.status, 200);
    assert.equal(await help.text(), 'release downloads help\n');
    const file = await download('file/magento-2.4.7.zip', basic('MAG123', first.token));
    assert.equal(file.status, 200);
    assert.equal(file.headers.get('content-disposition'), 'attachment; filename="release.zip"');
    assert.equal((await file.arrayBuffer()).byteLength, 300_000);
    assert.ok(site.seen.every((line) => line.endsWith(basic(orgMageId, orgToken))), 'the site only ever saw the organisation credentials');

    const second = await repogate.registry.tokens.generate('MAG123', testActor);
    const old = await download('info/help', basic('MAG123', first.token));
    assert.equal(old.status, 401);
    assert.match(old.headers.get('www-authenticate') ?? '', /^Basic /);
    assert.equal((await download('info/help', basic('MAG123', second.token))).status, 200);
    const trail = await repogate.registry.audit.list({ accountId: 'MAG123' });
    assert.ok(trail.some((e) => e.action === 'release.downloaded'));
  });

  test('wrong tokens are limited without locking out the right one: 429 for guesses, 200 for the token', async () => {
    await repogate.registry.accounts.create({ id: 'MAG124', name: 'Guessed' }, testActor);
    const { token } = await repogate.registry.tokens.generate('MAG124', testActor);
    const get = (password: string): Promise<Response> =>
      fetch(`${repogate.url}/products/downloads/info/help`, { headers: { authorization: basic('MAG124', password) } });
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await get(`wrong-${i}`)).status);
    assert.ok(statuses.slice(0, 20).every((s) => s === 401), statuses.join(' '));
    const limited = await get('wrong-again');
    assert.equal(limited.status, 429);
    assert.ok(limited.headers.get('retry-after'));
    assert.match(((await limited.json()) as { warning: string }).warning, /for MAG124/);
    const right = await get(token);
    assert.equal(right.status, 200, 'the right token is served while guesses are refused');
  });

  test('wrong or missing credentials are 401, a suspended account 403 with the reason; nothing leaks', async () => {
    const { token } = await repogate.registry.tokens.generate('MAG123', testActor);
    assert.equal((await download('info/help')).status, 401);
    assert.equal((await download('info/help', basic('MAG123', 'nope'))).status, 401);
    assert.equal((await download('info/help', basic('not-a-mageid', token))).status, 401);
    await repogate.registry.accounts.suspend('MAG123', 'outstanding invoice', testActor);
    const suspended = await download('info/help', basic('MAG123', token));
    assert.equal(suspended.status, 403);
    const text = await suspended.text();
    assert.match(text, /outstanding invoice/);
    assert.ok(!text.includes(orgToken));
    const guessed = await download('info/help', basic('MAG123', 'f'.repeat(40)));
    assert.equal(guessed.status, 401, 'the suspension reason is only told to whoever has the token');
    await repogate.registry.accounts.resume('MAG123', testActor);
    assert.ok(!repogate.logs.join('\n').includes(orgToken), 'the organisation token is never logged');
  });
});
