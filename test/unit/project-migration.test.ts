import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { composerContentHash } from '../../src/cli/project/content-hash.js';
import { parseJsonSource } from '../../src/cli/project/json-source.js';
import { findUpstreamReferences, migrateProject, parseRepogateUrl, parseUpstream } from '../../src/cli/project/project-migration.js';
import { isRepogateError } from '../../src/errors.js';

const upstream = parseUpstream('https://repo.magento.com/');
const repogate = parseRepogateUrl('https://repogate.example.com/');

/** A lock in Composer's own style (4 spaces, unescaped slashes) for a composer.json text. */
function lockFor(composerJson: string, host = 'https://repo.magento.com'): string {
  return `{
    "_readme": [
        "This file locks the dependencies of your project to a known state"
    ],
    "content-hash": "${composerContentHash(composerJson)}",
    "packages": [
        {
            "name": "magento/framework",
            "version": "103.0.7-p3",
            "dist": {
                "type": "zip",
                "url": "${host}/archives/magento/framework/magento-framework-103.0.7.0-patch3.zip",
                "shasum": "0123456789abcdef0123456789abcdef01234567"
            },
            "notification-url": "${host}/downloads/notify",
            "description": "See https://repo.magento.com/ for more"
        },
        {
            "name": "psr/log",
            "version": "1.1.4",
            "dist": {
                "type": "zip",
                "url": "https://api.github.com/repos/php-fig/log/zipball/d49695b909c3b7628b6289db5479a1c204601f11",
                "reference": "d49695b909c3b7628b6289db5479a1c204601f11",
                "shasum": ""
            },
            "notification-url": "https://packagist.org/downloads/"
        }
    ],
    "packages-dev": [
        {
            "name": "magento/magento-coding-standard",
            "version": "33",
            "dist": {
                "type": "zip",
                "url": "${host}/archives/magento/magento-coding-standard/magento-magento-coding-standard-33.0.0.0.zip"
            },
            "notification-url": "${host}/downloads/notify"
        }
    ],
    "plugin-api-version": "2.6.0"
}
`;
}

const composerJson = `{
    "name": "acme/storefront",
    "require": {
        "magento/product-community-edition": "2.4.7-p3"
    },
    "repositories": [
        {
            "type": "composer",
            "url": "https://repo.magento.com/"
        }
    ],
    "extra": {"note": "café"}
}
`;

void describe('migrate-project on the files of a project', () => {
  void test("changes only the upstream's URLs and the content hash, byte for byte", () => {
    const lock = lockFor(composerJson);
    const result = migrateProject({ composerJson: { name: 'composer.json', text: composerJson }, composerLock: { name: 'composer.lock', text: lock } }, upstream, repogate);
    const expectedJson = composerJson.replace('"url": "https://repo.magento.com/"', '"url": "https://repogate.example.com/"');
    assert.equal(result.composerJson, expectedJson);
    const expectedLock = lock
      .replaceAll('"https://repo.magento.com/archives/', '"https://repogate.example.com/archives/')
      .replaceAll('"https://repo.magento.com/downloads/notify"', '"https://repogate.example.com/notify-batch"')
      .replace(composerContentHash(composerJson), composerContentHash(expectedJson));
    assert.equal(result.composerLock, expectedLock);
    assert.ok(result.composerLock?.includes('See https://repo.magento.com/ for more'), 'other text naming the host is left alone');
    assert.deepEqual(
      result.changes.map((c) => `${c.kind} ${c.location}`),
      [
        'repository repositories[0].url',
        'dist packages[0] (magento/framework) dist.url',
        'notification packages[0] (magento/framework) notification-url',
        'dist packages-dev[0] (magento/magento-coding-standard) dist.url',
        'notification packages-dev[0] (magento/magento-coding-standard) notification-url',
        'content-hash content-hash',
      ],
    );
    assert.deepEqual(result.warnings, []);
  });

  void test('keeps escaped slashes, tabs, CRLF, the object form of repositories and a URL without trailing slash', () => {
    const json = '{\r\n\t"repositories": {\r\n\t\t"magento": {"type": "composer", "url": "https:\\/\\/repo.magento.com"},\r\n\t\t"packagist.org": false\r\n\t}\r\n}';
    const lock = `{\r\n\t"content-hash": "${composerContentHash(json)}",\r\n\t"packages": [{"name": "a/b", "dist": {"url": "https:\\/\\/repo.magento.com\\/archives\\/a\\/b\\/a-b-1.0.0.0.zip?x=1"}, "notification-url": "https:\\/\\/repo.magento.com\\/notify-batch"}]\r\n}`;
    const result = migrateProject({ composerJson: { name: 'composer.json', text: json }, composerLock: { name: 'composer.lock', text: lock } }, upstream, repogate);
    const expectedJson = json.replace('https:\\/\\/repo.magento.com"', 'https:\\/\\/repogate.example.com"');
    assert.equal(result.composerJson, expectedJson);
    assert.equal(
      result.composerLock,
      lock
        .replace('https:\\/\\/repo.magento.com\\/archives\\/a\\/b\\/a-b-1.0.0.0.zip?x=1', 'https:\\/\\/repogate.example.com\\/archives\\/a\\/b\\/a-b-1.0.0.0.zip?x=1')
        .replace('https:\\/\\/repo.magento.com\\/notify-batch', 'https:\\/\\/repogate.example.com\\/notify-batch')
        .replace(composerContentHash(json), composerContentHash(expectedJson)),
    );
    assert.equal(result.changes[0]?.location, 'repositories.magento.url');
  });

  void test('an upstream and a repogate below a path; URLs on other hosts and ports stay', () => {
    const below = parseUpstream('https://mirror.example.net/magento');
    const json = JSON.stringify({ repositories: [{ type: 'composer', url: 'https://mirror.example.net/magento/' }, { type: 'composer', url: 'https://mirror.example.net:8443/magento/' }] });
    const result = migrateProject({ composerJson: { name: 'composer.json', text: json } }, below, parseRepogateUrl('https://tools.example.com/repogate'));
    assert.equal(result.composerJson, json.replace('"https://mirror.example.net/magento/"', '"https://tools.example.com/repogate/"'));
    assert.equal(result.composerLock, undefined);
  });

  void test('a lock already out of date keeps its content-hash, with a warning', () => {
    const lock = lockFor(composerJson).replace(composerContentHash(composerJson), '0'.repeat(32));
    const result = migrateProject({ composerJson: { name: 'composer.json', text: composerJson }, composerLock: { name: 'composer.lock', text: lock } }, upstream, repogate);
    assert.ok(result.composerLock?.includes(`"content-hash": "${'0'.repeat(32)}"`));
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0] ?? '', /already out of date/);
  });

  void test('a lock made before its repositories entry was changed to repogate by hand gets the new hash', () => {
    const edited = composerJson.replace('https://repo.magento.com/', 'https://repogate.example.com/');
    const lock = lockFor(composerJson);
    const result = migrateProject({ composerJson: { name: 'composer.json', text: edited }, composerLock: { name: 'composer.lock', text: lock } }, upstream, repogate);
    assert.equal(result.composerJson, edited);
    assert.ok(result.composerLock?.includes(`"content-hash": "${composerContentHash(edited)}"`));
    assert.deepEqual(result.warnings, []);
    assert.equal(result.changes.filter((c) => c.kind === 'dist').length, 2);
  });

  void test('a project already on repogate is left alone', () => {
    const json = composerJson.replace('https://repo.magento.com/', 'https://repogate.example.com/');
    const lock = lockFor(json, 'https://repogate.example.com');
    const result = migrateProject({ composerJson: { name: 'composer.json', text: json }, composerLock: { name: 'composer.lock', text: lock } }, upstream, repogate);
    assert.equal(result.composerJson, json);
    assert.equal(result.composerLock, lock);
    assert.deepEqual(result.changes, []);
  });

  void test('--check finds repositories, lock URLs and http-basic credentials for the upstream host (with its port)', () => {
    const local = parseUpstream('http://127.0.0.1:8090');
    const json = JSON.stringify({ repositories: [{ type: 'composer', url: 'http://127.0.0.1:8090' }] });
    const lock = lockFor(json, 'http://127.0.0.1:8090');
    const auth = JSON.stringify({ 'http-basic': { '127.0.0.1:8090': { username: 'a', password: 'b' }, '127.0.0.1:8091': { username: 'c', password: 'd' } } });
    const found = findUpstreamReferences(
      { composerJson: { name: 'composer.json', text: json }, composerLock: { name: 'composer.lock', text: lock }, auth: [{ name: 'COMPOSER_AUTH', text: auth }] },
      local,
    );
    assert.deepEqual(
      found.map((r) => `${r.file} ${r.kind} ${r.location}`),
      [
        'composer.json repository repositories[0].url',
        'composer.lock dist packages[0] (magento/framework) dist.url',
        'composer.lock notification packages[0] (magento/framework) notification-url',
        'composer.lock dist packages-dev[0] (magento/magento-coding-standard) dist.url',
        'composer.lock notification packages-dev[0] (magento/magento-coding-standard) notification-url',
        'COMPOSER_AUTH credentials http-basic.127.0.0.1:8090',
      ],
    );
  });

  void test('reads duplicate keys, numbers as written and where each value is', () => {
    const text = '{"a": 1, "b": [1.50, -0, 1e400, "x\\/y"], "a": "\\ud83d\\ude00"}';
    const root = parseJsonSource(text, 'composer.json');
    assert.equal(root.kind, 'object');
    if (root.kind !== 'object') return;
    assert.deepEqual(
      root.members.map((m) => [m.key, text.slice(m.value.start, m.value.end)]),
      [['a', '1'], ['b', '[1.50, -0, 1e400, "x\\/y"]'], ['a', '"\\ud83d\\ude00"']],
    );
    const b = root.members[1]?.value;
    assert.deepEqual(b?.kind === 'array' ? b.items.map((item) => (item.kind === 'number' ? item.raw : item.kind === 'string' ? item.value : '')) : [], ['1.50', '-0', '1e400', 'x/y']);
    const start = text.lastIndexOf('"\\ud83d');
    assert.deepEqual(root.members[2]?.value, { kind: 'string', value: '😀', start, end: start + 14 });
  });

  void test('bad input is a VALIDATION error naming the file, the line and the column, or the URL', () => {
    const validation = (fn: () => unknown, pattern: RegExp): void =>
      assert.throws(fn, (error) => isRepogateError(error) && error.code === 'VALIDATION' && pattern.test(error.message));
    validation(() => parseJsonSource('{\n    "a": 1,\n}', 'composer.json'), /^composer\.json is not valid JSON: .* at line 3, column 1$/);
    validation(() => parseJsonSource('{"a": "x\ty"}', 'composer.lock'), /^composer\.lock is not valid JSON: control character/);
    validation(() => parseJsonSource('{"a": "\\ud800"}', 'auth.json'), /unpaired UTF-16 surrogate/);
    validation(() => parseJsonSource('[1] 2', 'composer.json'), /after the document/);
    validation(() => parseJsonSource('', 'composer.json'), /unexpected end of file/);
    validation(() => parseJsonSource('{\n  // a note\n  "a": 1\n}', 'composer.json'), /a comment .* at line 2, column 3$/);
    validation(() => parseJsonSource('{"a": [1, 2,]}', 'composer.json'), /unexpected "\]" at line 1, column 13$/);
    validation(() => parseJsonSource('\ufeff{}', 'composer.json'), /unexpected character U\+FEFF at line 1, column 1$/);
    validation(() => parseJsonSource('{"a": "\\x"}', 'composer.json'), /invalid escape in a string at line 1, column 8$/);
    // PHP's depth limit; a document nested far deeper is refused at the 513th level, not a crash.
    assert.equal(parseJsonSource(`${'['.repeat(512)}${']'.repeat(512)}`, 'composer.json').kind, 'array');
    validation(() => parseJsonSource(`${'['.repeat(513)}${']'.repeat(513)}`, 'composer.json'), /nesting deeper than 512 levels at line 1, column 513$/);
    validation(() => parseJsonSource('['.repeat(100_000), 'composer.lock'), /nesting deeper than 512 levels/);
    validation(() => migrateProject({ composerJson: { name: 'composer.json', text: '[]' } }, upstream, repogate), /must hold a JSON object/);
    validation(() => parseRepogateUrl('repogate.example.com'), /invalid repogate URL/);
    validation(() => parseRepogateUrl('https://user:secret@repogate.example.com'), /must not carry credentials/);
    validation(() => parseUpstream('ftp://repo.magento.com'), /invalid upstream URL/);
    validation(() => migrateProject({ composerJson: { name: 'composer.json', text: '{}' } }, upstream, 'https://repo.magento.com'), /is on the upstream/);
    assert.equal(parseUpstream('repo.magento.com').base, 'https://repo.magento.com');
  });
});
