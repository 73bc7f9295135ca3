import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startMockDownloads, type MockDownloads } from '../helpers/mock-downloads.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { basic, startTestRepogate, testActor, type TestRepogate } from '../helpers/repogate.js';

const orgMageId = 'MAG900900901';
const orgToken = 'organisation-downloads-token-9876543210';

void describe('resuming a release download (Range, If-Range)', () => {
  let upstream: MockUpstream;
  let site: MockDownloads;
  let repogate: TestRepogate;
  let authorization: string;

  before(async () => {
    upstream = await startMockUpstream({ layout: 'composer2' });
    site = await startMockDownloads({ mageId: orgMageId, token: orgToken });
    repogate = await startTestRepogate({
      upstream,
      env: { REPOGATE_DOWNLOADS_URL: site.url, REPOGATE_DOWNLOADS_MAGEID: orgMageId, REPOGATE_DOWNLOADS_TOKEN: orgToken },
    });
    await repogate.registry.accounts.create({ id: 'MAG456', name: 'Releases' }, testActor);
    authorization = basic('MAG456', (await repogate.registry.tokens.generate('MAG456', testActor)).token);
  });
  after(async () => {
    await repogate.stop();
    await upstream.close();
    await site.close();
  });

  const download = (headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${repogate.url}/products/downloads/file/magento-2.4.7.zip`, { headers: { authorization, ...headers } });

  void test('the whole file says it accepts ranges; the rest of an interrupted download comes as 206 with Content-Range', async () => {
    const whole = await download();
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    assert.equal(whole.headers.get('etag'), site.etag);
    assert.ok(Buffer.from(await whole.arrayBuffer()).equals(site.file));

    // What `curl -C -` does after 123,456 bytes arrived: ask for the rest, on the same ETag.
    const had = site.file.subarray(0, 123_456);
    const rest = await download({ range: 'bytes=123456-', 'if-range': site.etag });
    assert.equal(rest.status, 206);
    assert.equal(rest.headers.get('content-range'), `bytes 123456-${site.file.length - 1}/${site.file.length}`);
    assert.equal(rest.headers.get('content-length'), String(site.file.length - 123_456));
    assert.ok(Buffer.concat([had, Buffer.from(await rest.arrayBuffer())]).equals(site.file));
    const seen = site.requests.at(-1);
    assert.equal(seen?.range, 'bytes=123456-');
    assert.equal(seen?.ifRange, site.etag);
  });

  void test('a closed range and a suffix range are passed as asked', async () => {
    const middle = await download({ range: 'bytes=10-19' });
    assert.equal(middle.status, 206);
    assert.equal(middle.headers.get('content-range'), `bytes 10-19/${site.file.length}`);
    assert.ok(Buffer.from(await middle.arrayBuffer()).equals(site.file.subarray(10, 20)));
    const tail = await download({ range: 'bytes=-5' });
    assert.equal(tail.status, 206);
    assert.ok(Buffer.from(await tail.arrayBuffer()).equals(site.file.subarray(-5)));
  });

  void test('If-Range on a changed file gives the whole file (200)', async () => {
    const response = await download({ range: 'bytes=100-', 'if-range': '"an-older-release"' });
    assert.equal(response.status, 200);
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(site.file));
  });

  void test('a range past the end is 416 with the size in Content-Range', async () => {
    const response = await download({ range: `bytes=${site.file.length}-` });
    assert.equal(response.status, 416);
    assert.equal(response.headers.get('content-range'), `bytes */${site.file.length}`);
    assert.equal(((await response.json()) as { code: string }).code, 'RANGE_NOT_SATISFIABLE');
  });

  void test('a malformed Range is ignored: the whole file, and nothing odd forwarded', async () => {
    const response = await download({ range: 'bytes=abc', 'if-range': site.etag });
    assert.equal(response.status, 200);
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(site.file));
    assert.equal(site.requests.at(-1)?.range, undefined);
    assert.equal(site.requests.at(-1)?.ifRange, undefined);
  });
});
