import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { pointRepositoriesAt } from '../../src/archives/project-templates.js';
import { rewriteZipEntry } from '../../src/archives/zip-rewrite.js';

const upstream = 'https://repo.magento.com';
const base = 'https://repogate.example.test:8443';
const toPublic = (url: string, to: string): string | undefined => {
  const parsed = new URL(url);
  return parsed.origin === upstream ? `${to}${parsed.pathname}${parsed.search}` : undefined;
};

const template = `{
    "name": "magento/project-community-edition",
    "type": "project",
    "require": {
        "magento/product-community-edition": "2.4.7"
    },
    "repositories": [
        {
            "type": "composer",
            "url": "https://repo.magento.com/"
        }
    ],
    "support": { "docs": "https://experienceleague.adobe.com/" }
}
`;

const enc = new TextEncoder();
const dec = new TextDecoder();

function zipOf(files: Record<string, string>): Buffer {
  const zippable: Zippable = {};
  for (const [name, text] of Object.entries(files)) zippable[name] = enc.encode(text);
  return Buffer.from(zipSync(zippable, { level: 6, mtime: new Date(2024, 3, 9, 10, 0, 0) }));
}

const pickComposerJson = (names: readonly string[]): string | undefined => names.find((n) => n.endsWith('composer.json'));
const rewrite = (zip: Buffer): Buffer | undefined => rewriteZipEntry(zip, pickComposerJson, (text) => pointRepositoriesAt(text, base, toPublic));

void describe("a project template's composer.json names repogate instead of the upstream", () => {
  void test('only the repository URL changes in the text; formatting and other strings stay', () => {
    const changed = pointRepositoriesAt(template, base, toPublic);
    assert.equal(changed, template.replace('"https://repo.magento.com/"', `"${base}/"`));
  });

  void test('an escaped-slash URL (PHP json_encode) is replaced in the same style; an object of repositories too', () => {
    const escaped = '{"repositories":{"magento":{"type":"composer","url":"https:\\/\\/repo.magento.com\\/"}}}';
    assert.equal(pointRepositoriesAt(escaped, base, toPublic), '{"repositories":{"magento":{"type":"composer","url":"https:\\/\\/repogate.example.test:8443\\/"}}}');
  });

  void test('nothing on the upstream, no repositories, or not JSON: left alone', () => {
    assert.equal(pointRepositoriesAt('{"repositories":[{"type":"composer","url":"https://elsewhere.test/"}]}', base, toPublic), undefined);
    assert.equal(pointRepositoriesAt('{"name":"a/b"}', base, toPublic), undefined);
    assert.equal(pointRepositoriesAt('{"repositories":', base, toPublic), undefined);
  });
});

void describe('rewriting one file of a zip archive', () => {
  const files = { 'README.md': '# A shop\n'.repeat(50), 'composer.json': template, 'app/etc/env.php.sample': '<?php return [];\n'.repeat(20) };

  void test('the archive reads back with the new composer.json and every other file unchanged', () => {
    const zip = zipOf(files);
    const rewritten = rewrite(zip);
    assert.ok(rewritten);
    const read = unzipSync(new Uint8Array(rewritten));
    assert.deepEqual(Object.keys(read).sort(), Object.keys(files).sort());
    assert.equal(dec.decode(read['composer.json']), template.replace('https://repo.magento.com/', `${base}/`));
    assert.equal(dec.decode(read['README.md']), files['README.md']);
    assert.equal(dec.decode(read['app/etc/env.php.sample']), files['app/etc/env.php.sample']);
  });

  void test('the records of the other files are the same bytes; the result depends only on its inputs', () => {
    const zip = zipOf(files);
    const rewritten = rewrite(zip)!;
    // The first record (README.md) precedes composer.json: byte for byte the same.
    const composerAt = zip.indexOf('composer.json') - 30;
    assert.ok(rewritten.subarray(0, composerAt).equals(zip.subarray(0, composerAt)));
    assert.ok(rewrite(zip)!.equals(rewritten), 'the same bytes every time');
    assert.notEqual(rewriteZipEntry(zip, pickComposerJson, (t) => pointRepositoriesAt(t, 'http://127.0.0.1:8080', toPublic))?.toString('hex'), rewritten.toString('hex'));
  });

  void test('a composer.json inside one top directory is found', () => {
    const zip = zipOf({ 'project-community-edition/composer.json': template, 'project-community-edition/README.md': 'hi\n' });
    const read = unzipSync(new Uint8Array(rewrite(zip)!));
    assert.match(dec.decode(read['project-community-edition/composer.json']), /repogate\.example\.test:8443/);
  });

  void test('no composer.json, nothing to change, or not a zip: undefined (served as it is)', () => {
    assert.equal(rewrite(zipOf({ 'README.md': 'x' })), undefined);
    assert.equal(rewrite(zipOf({ 'composer.json': '{"name":"a/b"}' })), undefined);
    assert.equal(rewrite(Buffer.from('not a zip at all, just some bytes')), undefined);
  });
});
