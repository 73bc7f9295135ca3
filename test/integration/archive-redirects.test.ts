import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { RepogateError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { UpstreamClient, unauthorizedStreakAlarm, type UpstreamOptions } from '../../src/upstream/upstream-client.js';

interface SeenRequest {
  readonly path: string;
  readonly authorization: string | undefined;
}

/** A plain HTTP server on 127.0.0.1 answering by path, recording what it was sent. */
interface Host {
  readonly url: string;
  readonly requests: SeenRequest[];
  readonly routes: Map<string, (res: ServerResponse) => void>;
  close(): Promise<void>;
}

async function startHost(): Promise<Host> {
  const requests: SeenRequest[] = [];
  const routes = new Map<string, (res: ServerResponse) => void>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push({ path: req.url ?? '', authorization: req.headers.authorization });
    const route = routes.get(req.url ?? '');
    if (route === undefined) res.writeHead(404).end('not here');
    else route(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    routes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const redirect =
  (location: string, status = 302) =>
  (res: ServerResponse): void => {
    res.writeHead(status, { location }).end();
  };
const file =
  (body: string) =>
  (res: ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': Buffer.byteLength(body) }).end(body);
  };
const status =
  (code: number) =>
  (res: ServerResponse): void => {
    res.writeHead(code).end();
  };

async function text(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function rejectsWith(promise: Promise<unknown>, code: string, mention?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof RepogateError, `a RepogateError, not ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (mention) assert.match(error.message, mention);
    return true;
  });
}

const sourceBasic = `Basic ${Buffer.from('src-user:src-secret').toString('base64')}`;

void describe("an archive of a registry source on other hosts: redirects, and whose credentials go where", () => {
  let source: Host;
  let github: Host;
  let codeload: Host;
  const clients: UpstreamClient[] = [];
  const logs: string[] = [];

  /** A client for the source, its Basic credentials (and maybe a GitHub token) set. */
  const clientFor = (options: Partial<UpstreamOptions> = {}): UpstreamClient => {
    const client = new UpstreamClient(
      { url: source.url, username: 'src-user', password: 'src-secret', timeoutMs: 5000, source: 'merchant-b', ...options },
      createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(line) } }),
    );
    clients.push(client);
    return client;
  };

  before(async () => {
    [source, github, codeload] = await Promise.all([startHost(), startHost(), startHost()]);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all([source, github, codeload].map((h) => h.close()));
  });
  const reset = (): void => {
    for (const host of [source, github, codeload]) {
      host.requests.length = 0;
      host.routes.clear();
    }
  };

  void test('a redirect chain across hosts is followed to the archive; only the source gets its credentials', async () => {
    reset();
    source.routes.set('/dists/acme-tool-1.0.zip', redirect(`${github.url}/repos/acme/tool/zipball/abc`));
    github.routes.set('/repos/acme/tool/zipball/abc', redirect('/legacy/abc', 301));
    github.routes.set('/legacy/abc', redirect(`${codeload.url}/acme/tool/legacy.zip/abc`, 307));
    codeload.routes.set('/acme/tool/legacy.zip/abc', file('PK archive bytes'));

    const response = await clientFor().openArchive(new URL(`${source.url}/dists/acme-tool-1.0.zip`));
    assert.equal(response.status, 200);
    assert.equal(await text(response.body), 'PK archive bytes');

    assert.deepEqual(source.requests, [{ path: '/dists/acme-tool-1.0.zip', authorization: sourceBasic }]);
    assert.deepEqual(github.requests, [
      { path: '/repos/acme/tool/zipball/abc', authorization: undefined },
      { path: '/legacy/abc', authorization: undefined },
    ]);
    assert.deepEqual(codeload.requests, [{ path: '/acme/tool/legacy.zip/abc', authorization: undefined }]);
  });

  void test("a foreign host redirecting back to the source: the source's own requests carry its credentials, the foreign one not", async () => {
    reset();
    source.routes.set('/start.zip', redirect(`${github.url}/bounce`));
    github.routes.set('/bounce', redirect(`${source.url}/final.zip`));
    source.routes.set('/final.zip', file('final'));

    const response = await clientFor().openArchive(new URL(`${github.url}/bounce`));
    assert.equal(await text(response.body), 'final');
    assert.deepEqual(github.requests, [{ path: '/bounce', authorization: undefined }]);
    assert.deepEqual(source.requests, [{ path: '/final.zip', authorization: sourceBasic }]);

    source.requests.length = 0;
    github.requests.length = 0;
    const again = await clientFor().openArchive(new URL(`${source.url}/start.zip`));
    assert.equal(await text(again.body), 'final');
    assert.deepEqual(source.requests, [
      { path: '/start.zip', authorization: sourceBasic },
      { path: '/final.zip', authorization: sourceBasic },
    ]);
    assert.deepEqual(github.requests, [{ path: '/bounce', authorization: undefined }]);
  });

  void test('a GitHub token goes to no host but api.github.com over https: not to a plain http host, not to the source', async () => {
    reset();
    source.routes.set('/dists/x.zip', redirect(`${github.url}/repos/acme/tool/zipball/abc`));
    github.routes.set('/repos/acme/tool/zipball/abc', file('zip'));

    const tokenOnly = clientFor({ username: undefined, password: undefined, githubToken: 'ghp_secret-token' });
    assert.equal(await text((await tokenOnly.openArchive(new URL(`${source.url}/dists/x.zip`))).body), 'zip');
    assert.equal(await text((await tokenOnly.openArchive(new URL(`${github.url}/repos/acme/tool/zipball/abc`))).body), 'zip');
    assert.deepEqual(source.requests, [{ path: '/dists/x.zip', authorization: undefined }]);
    assert.deepEqual(github.requests.map((r) => r.authorization), [undefined, undefined]);

    github.requests.length = 0;
    source.requests.length = 0;
    const both = clientFor({ githubToken: 'ghp_secret-token' });
    await text((await both.openArchive(new URL(`${source.url}/dists/x.zip`))).body);
    assert.deepEqual(source.requests, [{ path: '/dists/x.zip', authorization: sourceBasic }]);
    assert.deepEqual(github.requests, [{ path: '/repos/acme/tool/zipball/abc', authorization: undefined }]);
  });

  void test('five redirects are followed; a sixth is UPSTREAM_INVALID', async () => {
    reset();
    for (let i = 0; i < 6; i++) github.routes.set(`/hop/${i}`, redirect(`${codeload.url}/hop/${i}`));
    for (let i = 0; i < 6; i++) codeload.routes.set(`/hop/${i}`, redirect(`${github.url}/hop/${i + 1}`));
    github.routes.set('/hop/3', file('after five'));
    github.routes.set('/hop/4', redirect(`${codeload.url}/hop/4`));
    const client = clientFor();

    // github 0 → codeload 0 → github 1 → codeload 1 → github 2 → codeload 2 → github 3: six redirects.
    await rejectsWith(client.openArchive(new URL(`${github.url}/hop/0`)), 'UPSTREAM_INVALID', /too many redirects/);
    // codeload 0 → github 1 → codeload 1 → github 2 → codeload 2 → github 3: five.
    const response = await client.openArchive(new URL(`${codeload.url}/hop/0`));
    assert.equal(response.status, 200);
    assert.equal(await text(response.body), 'after five');
  });

  for (const target of ['file:///etc/passwd', 'ftp://127.0.0.1/acme.zip', 'gopher://127.0.0.1/x']) {
    void test(`a redirect to ${new URL(target).protocol} is UPSTREAM_INVALID, and nothing is fetched there`, async () => {
      reset();
      github.routes.set('/zipball', redirect(target));
      await rejectsWith(clientFor().openArchive(new URL(`${github.url}/zipball`)), 'UPSTREAM_INVALID', new RegExp(new URL(target).protocol));
      assert.equal(github.requests.length, 1);
    });
  }

  void test("a 401 from a foreign host is UPSTREAM_NOT_ENTITLED and does not count toward the source's credentials alarm", async () => {
    reset();
    logs.length = 0;
    github.routes.set('/private/zipball', status(401));
    source.routes.set('/dists/private.zip', redirect(`${github.url}/private/zipball`));
    source.routes.set('/dists/refused.zip', status(401));
    const client = clientFor();

    for (let i = 0; i < unauthorizedStreakAlarm + 1; i++) {
      await rejectsWith(client.openArchive(new URL(`${github.url}/private/zipball`)), 'UPSTREAM_NOT_ENTITLED', /127\.0\.0\.1/);
      await rejectsWith(client.openArchive(new URL(`${source.url}/dists/private.zip`)), 'UPSTREAM_NOT_ENTITLED');
    }
    assert.ok(!logs.some((line) => line.includes('UPSTREAM REFUSED')), 'no credentials alarm for a foreign host');

    // The source's own 401s still count from zero: the alarm comes at the streak's length, not before.
    for (let i = 1; i < unauthorizedStreakAlarm; i++) {
      await rejectsWith(client.openArchive(new URL(`${source.url}/dists/refused.zip`)), 'UPSTREAM_NOT_ENTITLED');
    }
    await rejectsWith(client.openArchive(new URL(`${source.url}/dists/refused.zip`)), 'UPSTREAM_AUTH');
    assert.ok(logs.some((line) => line.includes('UPSTREAM REFUSED THE KEYS OF SOURCE merchant-b')));
    assert.ok(!logs.some((line) => line.includes('src-secret')), 'the log never holds the source password');
  });
});
