import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { composerContentHash, phpNumber } from '../../src/cli/project/content-hash.js';
import { requireComposer, runComposer } from '../helpers/composer.js';

/** Debian's Composer is a library under /usr/share/php; its Locker computes the hash we must match. */
const composerAutoload = '/usr/share/php/Composer/autoload.php';

/** composer.json texts that exercise what the hash depends on, each a byte sequence Composer reads. */
const projects: Record<string, string> = {
  'a Magento project (unescaped slashes, non-ASCII, platform, dev requirements)': `{
    "name": "acme/storefront",
    "description": "Boutique — « été »",
    "type": "project",
    "require": {
        "php": ">=7.4"
    },
    "require-dev": {},
    "repositories": [
        {
            "type": "package",
            "package": {"name": "acme/thing", "version": "1.0.0", "dist": {"type": "zip", "url": "https://repo.magento.com/archives/acme/thing/acme-thing-1.0.0.0.zip"}}
        },
        {"packagist.org": false}
    ],
    "extra": {"magento-force": "override", "note": "Ünïcödé ✓ 😀", "paths": "app/etc/"},
    "config": {"platform": {"php": "8.2.0"}, "sort-packages": true},
    "minimum-stability": "stable",
    "prefer-stable": true
}
`,
  'escaped slashes and \\u escapes, tabs, object repositories with integer keys, empty objects': `{
\t"require": {"php": ">=7.4"},
\t"conflict": {},
\t"repositories": {"0": {"type": "package", "package": {"name": "acme\\/other", "version": "2.0.0"}}, "packagist.org": false},
\t"extra": {"url": "https:\\/\\/example.com\\/x", "\\u00e9t\\u00e9": "\\ud83d\\ude00", "ctl": "a\\u0001b\\tc\\"d\\\\e", "5": {}, "list": {"0": "a", "1": "b"}, "holes": {"0": "a", "2": "b"}}
}
`,
  'numbers PHP re-encodes, a duplicate key, an empty platform': `{
    "require": {"php": ">=7.4"},
    "extra": {"n": [1.0, 1e2, 0.0001, 0.00001, 12345678901234567890, -0, -0.0, 1.5e300, 9007199254740993, 3.14159265358979323], "dup": "first", "dup": "second"},
    "config": {"platform": {}}
}
`,
  'nothing but a requirement': '{"require":{"php":">=7.4"}}',
};

void describe("the lock's content-hash, as Composer computes it", () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'repogate-content-hash-'));
  });
  after(() => rm(work, { recursive: true, force: true }));

  for (const [label, text] of Object.entries(projects)) {
    void test(`matches the lock Composer writes: ${label}`, async (t) => {
      if (!requireComposer(t)) return;
      const dir = join(work, label.replace(/\W+/g, '-'));
      await mkdir(dir);
      await writeFile(join(dir, 'composer.json'), text);
      const run = await runComposer(['update', '--no-install', '--no-progress'], { cwd: dir, home: join(dir, '.composer-home') });
      assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
      const lock = JSON.parse(await readFile(join(dir, 'composer.lock'), 'utf8')) as { 'content-hash': string };
      assert.equal(composerContentHash(text), lock['content-hash']);
    });
  }

  void test("matches Composer's Locker::getContentHash on random composer.json documents", (t) => {
    if (!requireComposer(t)) return;
    if (!existsSync(composerAutoload)) {
      t.skip(`Composer's library is not at ${composerAutoload}`);
      return;
    }
    const value = fc.jsonValue({ maxDepth: 3 });
    const document = fc.record(
      {
        name: fc.string(),
        version: fc.string(),
        require: fc.dictionary(fc.string(), fc.string()),
        'require-dev': fc.dictionary(fc.string(), fc.string()),
        replace: value,
        provide: value,
        repositories: fc.oneof(fc.array(value), fc.dictionary(fc.string(), value)),
        extra: value,
        'minimum-stability': fc.string(),
        'prefer-stable': fc.boolean(),
        config: fc.record({ platform: value, 'sort-packages': fc.boolean() }, { requiredKeys: [] }),
        description: fc.string(),
        autoload: value,
      },
      { requiredKeys: [] },
    );
    const texts = fc.sample(
      fc.tuple(document, fc.constantFrom(0, 2, 4, '\t'), fc.boolean(), fc.boolean()).map(([doc, indent, slashes, unicode]) => {
        // Both escapes occur only inside strings, so replacing them in the whole text keeps it JSON.
        let text = JSON.stringify(doc, null, indent);
        if (slashes) text = text.replaceAll('/', '\\/');
        if (unicode) text = text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
        return text;
      }),
      { numRuns: 300, seed: 18 },
    );
    const php = spawnSync(
      'php',
      ['-r', `require '${composerAutoload}'; foreach (json_decode(stream_get_contents(STDIN), true) as $t) echo Composer\\Package\\Locker::getContentHash($t), "\\n";`],
      { input: JSON.stringify(texts), encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
    );
    assert.equal(php.status, 0, php.stderr);
    const expected = php.stdout.trim().split('\n');
    assert.equal(expected.length, texts.length);
    texts.forEach((text, i) => assert.equal(composerContentHash(text), expected[i], text));
  });

  void test('numbers print as PHP prints the doubles and integers json_decode made of them', () => {
    const cases: Record<string, string> = {
      '1.0': '1', '1e2': '100', '1.5': '1.5', '0.1': '0.1', '1e25': '1.0e+25', '1e-7': '1.0e-7', '0.0001': '0.0001',
      '0.00001': '1.0e-5', '1e16': '10000000000000000', '1e17': '1.0e+17', '-1.5e17': '-1.5e+17', '123e-10': '1.23e-8',
      '-0': '0', '-0.0': '-0', '9223372036854775807': '9223372036854775807', '9223372036854775808': '9.223372036854776e+18',
      '123456789012345678901': '1.2345678901234568e+20', '5e-324': '5.0e-324', '12345678.9': '12345678.9',
    };
    for (const [raw, php] of Object.entries(cases)) assert.equal(phpNumber(raw), php, raw);
  });
});
