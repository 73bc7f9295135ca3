import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { createLogger } from '../../src/logger.js';
import { redactUrl } from '../../src/redact-url.js';

void describe('redactUrl', () => {
  void test('replaces the password of every URL in a text, keeping the user name', () => {
    assert.equal(redactUrl('postgres://repogate:s3cret@db.test:5432/repogate'), 'postgres://repogate:***@db.test:5432/repogate');
    assert.equal(
      redactUrl('cannot reach redis://:r3dis@cache.test:6379 nor rediss://user:pw@other.test/0'),
      'cannot reach redis://:***@cache.test:6379 nor rediss://user:***@other.test/0',
    );
    assert.equal(redactUrl('{"url":"redis://only-secret@cache.test"}'), '{"url":"redis://***@cache.test"}');
  });

  void test('passwords with a raw @, :, ? or # are covered whole', () => {
    for (const password of ['Xy@Secret-Part', 'a:b:c', 'q?uery@x', 'h#sh@tag']) {
      const text = redactUrl(`failed: postgres://repogate:${password}@db.test/x (retrying)`);
      assert.equal(text, 'failed: postgres://repogate:***@db.test/x (retrying)', password);
    }
  });

  void test('leaves text without URL credentials alone', () => {
    for (const text of ['https://repo.magento.com/p2/magento/module-catalog.json', 'ci@example.test asked /archives/a@b', 'sqlite:/var/lib/repogate/registry.sqlite']) {
      assert.equal(redactUrl(text), text);
    }
  });
});

void describe('createLogger', () => {
  void test('no log line carries the password of a URL, wherever it is in the line', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString('utf8'));
        callback();
      },
    });
    const logger = createLogger({ level: 'info', destination });
    logger.warn({ err: 'connect ECONNREFUSED postgres://repogate:Xy@Secret-1@db.test/x', role: 'commands' }, 'registry problem');
    logger.error({ nested: { redis: 'redis://:Secret-2@cache.test:6379' } }, 'start with %s', 'rediss://u:Secret-3@c.test');
    logger.info(new Error('cannot open the registry database at postgres://u:Secret-4@db.test/x'));
    const text = lines.join('');
    assert.equal(lines.length, 3);
    assert.ok(!/Secret-\d/.test(text), text);
    assert.match(text, /postgres:\/\/repogate:\*\*\*@db\.test\/x/);
    for (const line of lines) JSON.parse(line);
  });
});
