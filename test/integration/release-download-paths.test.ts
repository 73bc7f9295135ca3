import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startCountingServer, startMockDownloads, type CountingServer, type MockDownloads } from '../helpers/mock-downloads.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { RawConnection, type RawResponse } from '../helpers/raw-connection.js';
import { basic, startTestRepogate, testActor, type TestRepogate } from '../helpers/repogate.js';

const orgMageId = 'MAG900900900';
const orgToken = 'organisation-downloads-token-0123456789';

/** Status code and error code of a raw response. */
function outcome(response: RawResponse): { status: number; code: string | undefined } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(response.head)?.[1]);
  const isJson = /\r\ncontent-type: application\/json/i.test(response.head) && response.body.length > 0;
  const json = isJson ? (JSON.parse(response.body.toString('utf8')) as { code?: string }) : undefined;
  return { status, code: json?.code };
}

void describe('release download paths cannot leave REPOGATE_DOWNLOADS_URL', () => {
  let upstream: MockUpstream;
  let site: MockDownloads;
  let otherHost: CountingServer;
  let repogate: TestRepogate;
  let authorization: string;

  before(async () => {
    upstream = await startMockUpstream({ layout: 'composer2' });
    site = await startMockDownloads({ basePath: '/mirror', mageId: orgMageId, token: orgToken });
    otherHost = await startCountingServer();
    repogate = await startTestRepogate({
      upstream,
      env: { REPOGATE_DOWNLOADS_URL: site.url, REPOGATE_DOWNLOADS_MAGEID: orgMageId, REPOGATE_DOWNLOADS_TOKEN: orgToken },
    });
    await repogate.registry.accounts.create({ id: 'MAG123', name: 'Releases' }, testActor);
    authorization = basic('MAG123', (await repogate.registry.tokens.generate('MAG123', testActor)).token);
  });
  after(async () => {
    await repogate.stop();
    await upstream.close();
    await site.close();
    await otherHost.close();
  });

  /** Sends `GET <target>` as it is, on a connection of its own, with the account's token. */
  async function rawGet(target: string): Promise<RawResponse> {
    const connection = await RawConnection.open(repogate.url);
    try {
      connection.send(`GET ${target} HTTP/1.1\r\nHost: repogate.test\r\nAuthorization: ${authorization}\r\nConnection: close\r\n\r\n`);
      return await connection.response();
    } finally {
      connection.close();
    }
  }

  const attacks: ReadonlyArray<readonly [string, () => string]> = [
    ['raw dot segments', () => '/products/downloads/../../../elsewhere/secret'],
    ['percent-encoded dot segments', () => '/products/downloads/%2e%2e/%2e%2e/%2e%2e/elsewhere/secret'],
    ['upper-case percent-encoded dot segments', () => '/products/downloads/%2E%2E/%2E%2E/%2E%2E/elsewhere/secret'],
    ['half-encoded dot segments', () => '/products/downloads/.%2e/%2E./.%2E/elsewhere/secret'],
    ['a single dot segment', () => '/products/downloads/./info/help'],
    ['encoded slashes', () => '/products/downloads/..%2F..%2F..%2Felsewhere%2Fsecret'],
    ['encoded backslashes', () => '/products/downloads/..%5C..%5C..%5Celsewhere%5Csecret'],
    ['a NUL byte', () => '/products/downloads/file/release.zip%00.txt'],
    ['invalid percent-encoding', () => '/products/downloads/file/%zz.zip'],
    ['an absolute-form target naming another host, with dot segments', () => `${otherHost.url}/products/downloads/../../internal/admin`],
    ['an absolute-form target naming another host, encoded dot segments', () => `${otherHost.url}/products/downloads/%2e%2e/%2e%2e/internal/admin`],
  ];

  for (const [name, target] of attacks) {
    void test(`${name}: 400 BAD_REQUEST, nothing fetched outside the base or from another host`, async () => {
      const before = site.requests.length;
      const response = await rawGet(target());
      assert.deepEqual(outcome(response), { status: 400, code: 'BAD_REQUEST' }, `${target()}\n${response.head}${response.body.toString()}`);
      assert.ok(!response.body.toString().includes('SECRET'));
      assert.equal(site.requests.length, before, 'the downloads site was not asked');
      assert.deepEqual(site.outside, []);
      assert.deepEqual(otherHost.requests, []);
    });
  }

  void test('a raw backslash is refused before anything is fetched', async () => {
    const response = await rawGet('/products/downloads/..\\..\\..\\elsewhere\\secret');
    assert.equal(outcome(response).status, 400, response.head);
    assert.ok(!response.body.toString().includes('SECRET'));
    assert.deepEqual(site.outside, []);
    assert.deepEqual(otherHost.requests, []);
  });

  void test('an absolute-form target counts as its path only: the file comes from the downloads site, never the named host', async () => {
    const response = await rawGet(`${otherHost.url}/products/downloads/info/help`);
    assert.equal(outcome(response).status, 200, response.head);
    assert.equal(response.body.toString(), 'release downloads help\n');
    assert.equal(site.requests.at(-1)?.url, '/mirror/products/downloads/info/help');
    assert.deepEqual(otherHost.requests, []);
  });

  void test('the query string is not forwarded, and names are encoded again for the downloads site', async () => {
    const response = await rawGet('/products/downloads/info/help?path=../../../elsewhere/secret');
    assert.equal(outcome(response).status, 200, response.head);
    assert.equal(site.requests.at(-1)?.url, '/mirror/products/downloads/info/help');
    const file = await rawGet('/products/downloads/file/Magento%20CE%202.4.7%3F.zip');
    assert.equal(outcome(file).status, 200, file.head);
    assert.equal(site.requests.at(-1)?.url, '/mirror/products/downloads/file/Magento%20CE%202.4.7%3F.zip');
    assert.deepEqual(site.outside, []);
  });

  void test('the organisation token never reaches another host and never appears in a response', async () => {
    assert.ok(site.requests.every((r) => r.authorization === basic(orgMageId, orgToken)));
    assert.deepEqual(otherHost.requests, []);
  });
});
