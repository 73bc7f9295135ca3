import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { normalised, RawConnection } from '../helpers/raw-connection.js';
import { createTestKey, defineStandardEntitlements, startTestRepogate, type TestKey, type TestRepogate } from '../helpers/repogate.js';

/**
 * Warm `/p2/` answers on a persistent connection reuse the head node:http wrote for the first one
 * (src/http/reused-head.ts). On the wire they must be what `writeHead` writes — a key's first
 * request, which takes the general way, serves as the reference — with each request's own id and the current date, and connections that
 * are not persistent must still be closed.
 */
void describe('warm metadata answers on the wire', () => {
  let upstream: MockUpstream;
  let repogate: TestRepogate;
  let key: TestKey;
  const path = '/p2/magento/module-catalog.json';

  before(async () => {
    upstream = await startMockUpstream({ layout: 'composer2' });
    repogate = await startTestRepogate({ upstream });
    await defineStandardEntitlements(repogate.registry);
    key = await createTestKey(repogate.registry, { grants: ['open-source'] });
  });
  after(async () => {
    await repogate.stop();
    await upstream.close();
  });

  const request = (target: string, requestId: string, extra = '', method = 'GET', version = '1.1', authorization = key.authorization): string =>
    `${method} ${target} HTTP/${version}\r\nHost: ${new URL(repogate.url).host}\r\nAuthorization: ${authorization}\r\nX-Request-Id: ${requestId}\r\n${extra}\r\n`;

  void test('on a persistent connection: the bytes writeHead writes, each with its own request id and the date', async () => {
    const connection = await RawConnection.open(repogate.url);
    try {
      for (const encoding of ['', 'Accept-Encoding: gzip\r\n']) {
        const answers: { head: string; body: Buffer }[] = [];
        for (let i = 0; i < 5; i++) {
          const requestId = `wire-${encoding ? 'gzip' : 'plain'}-${i}`;
          connection.send(request(path, requestId, encoding));
          const { head, body } = await connection.response();
          assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
          assert.match(head, /\r\nConnection: keep-alive\r\nKeep-Alive: timeout=65\r\n/);
          answers.push({ head: normalised(head, requestId), body });
        }
        // A key's first request takes the general way, and writeHead.
        const fresh = await createTestKey(repogate.registry, { accountId: key.accountId, keyName: `reference ${encoding}` });
        connection.send(request(path, 'wire-reference', encoding, 'GET', '1.1', fresh.authorization));
        const general = await connection.response();
        const reference = { head: normalised(general.head, 'wire-reference'), body: general.body };
        // The first answers may come from the caches and writeHead; the later ones reuse its head.
        for (const answer of answers.slice(1)) assert.deepEqual(answer, reference);
      }
      // HEAD: the same head, no body; the connection stays usable.
      connection.send(request(path, 'wire-head', '', 'HEAD'));
      const head = await connection.response({ head: true });
      connection.send(request(path, 'wire-after-head'));
      const after = await connection.response();
      assert.equal(normalised(head.head, 'wire-head'), normalised(after.head, 'wire-after-head'));
      assert.equal(head.body.length, 0);
      assert.ok(after.body.length > 0);
    } finally {
      connection.close();
    }
  });

  void test('pipelined requests are answered in order, each with its own id', async () => {
    const connection = await RawConnection.open(repogate.url);
    try {
      const ids = Array.from({ length: 8 }, (_, i) => `pipelined-${i}`);
      connection.send(ids.map((id) => request(path, id)).join(''));
      for (const id of ids) {
        const { head, body } = await connection.response();
        assert.match(head, new RegExp(`\\r\\nX-Request-Id: ${id}\\r\\n`));
        assert.ok(body.length > 0);
      }
    } finally {
      connection.close();
    }
  });

  void test('Connection: close and HTTP/1.0 get Connection: close, and the connection is closed', async () => {
    for (const [extra, version] of [
      ['Connection: close\r\n', '1.1'],
      ['', '1.0'],
    ] as const) {
      // Warm answers were sent on persistent connections before: their head is the reusable one.
      const connection = await RawConnection.open(repogate.url);
      try {
        connection.send(request(path, `closing-${version}`, extra, 'GET', version));
        const { head, body } = await connection.response();
        assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
        assert.match(head, /\r\nConnection: close\r\n/);
        assert.doesNotMatch(head, /keep-alive/i);
        assert.ok(body.length > 0);
        await connection.ended();
      } finally {
        connection.close();
      }
    }
    // HTTP/1.0 asking to be kept alive is: node answers it as it does HTTP/1.1.
    const connection = await RawConnection.open(repogate.url);
    try {
      connection.send(request(path, 'kept-1.0', 'Connection: keep-alive\r\n', 'GET', '1.0'));
      const first = await connection.response();
      assert.match(first.head, /\r\nConnection: keep-alive\r\n/);
      connection.send(request(path, 'kept-1.0-again', 'Connection: keep-alive\r\n', 'GET', '1.0'));
      const second = await connection.response();
      assert.match(second.head, /\r\nX-Request-Id: kept-1\.0-again\r\n/);
    } finally {
      connection.close();
    }
  });
});
