import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { requireComposer, runComposer, writeComposerProject, type ComposerRun } from '../helpers/composer.js';
import type { MockUpstream } from '../helpers/mock-upstream/index.js';
import { startStack, type TestKey, type TestRepogate, type TestStack } from '../helpers/repogate.js';

const output = (run: ComposerRun): string => `${run.stdout}\n${run.stderr}`;

/**
 * An upstream whose Composer 2 root lists some packages (`available-packages`) and admits others by
 * pattern (`available-package-patterns`): Composer asks such a repository for a name either admits,
 * and so must repogate.
 */
void describe('composer through repogate, against an upstream that lists some packages and admits others by pattern', () => {
  let stack: TestStack;
  let upstream: MockUpstream;
  let repogate: TestRepogate;
  let work: string;
  let developer: TestKey;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'repogate-patterns-'));
    stack = await startStack({ grants: ['open-source', 'marketplace'] });
    ({ upstream, repogate, key: developer } = stack);
    upstream.setRootFields({ 'available-packages': ['magento/framework'], 'available-package-patterns': ['mageplaza/*'] });
  });
  after(async () => {
    await stack.close();
    await rm(work, { recursive: true, force: true });
  });

  async function show(label: string, url: string, auth: { username: string; password: string }, name: string): Promise<ComposerRun> {
    const dir = join(work, label);
    await writeComposerProject(dir, { repositoryUrl: url, require: {}, auth: { host: new URL(url).host, ...auth } });
    return runComposer(['show', '--all', '--no-interaction', name], { cwd: dir, home: join(dir, '.composer-home') });
  }

  void test('a package only a pattern admits is found, as straight from the upstream', async (t) => {
    if (!requireComposer(t)) return;
    const direct = await show('direct', upstream.url, { username: upstream.username, password: upstream.password }, 'mageplaza/module-smtp');
    assert.equal(direct.code, 0, output(direct));
    assert.match(direct.stdout, /versions\s*:.*4\.7\.6/);

    const through = await show('through', repogate.url, { username: developer.publicKey, password: developer.privateKey }, 'mageplaza/module-smtp');
    assert.equal(through.code, 0, output(through));
    assert.match(through.stdout, /versions\s*:.*4\.7\.6.*4\.7\.5/);
    assert.match(through.stdout, /descrip\.\s*:\s*SMTP Extension for Magento 2/);
  });

  void test('the listed package is found; one neither admits is not asked for upstream', async (t) => {
    if (!requireComposer(t)) return;
    const auth = { username: developer.publicKey, password: developer.privateKey };
    const listed = await show('listed', repogate.url, auth, 'magento/framework');
    assert.equal(listed.code, 0, output(listed));
    assert.match(listed.stdout, /versions\s*:.*103\.0\.7/);

    upstream.resetRequests();
    const neither = await show('neither', repogate.url, auth, 'magento/module-catalog');
    assert.notEqual(neither.code, 0, output(neither));
    assert.match(output(neither), /not found/i);
    assert.equal(upstream.count((r) => r.path.startsWith('/p2/magento/module-catalog')), 0, 'repogate did not ask the upstream for a name it rules out');
  });
});
