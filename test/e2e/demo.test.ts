import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, requireChromium } from '../helpers/browser.js';
import { requireComposer } from '../helpers/composer.js';
import { waitFor } from '../helpers/wait-for.js';

const demoScript = fileURLToPath(new URL('../../scripts/demo.js', import.meta.url));

/** The environment of someone who just cloned the project: none of repogate's or Composer's settings. */
function newcomerEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(REPOGATE_|COMPOSER|REDIS_URL$|PORT$|https?_proxy$|HTTPS?_PROXY$|no_proxy$|NO_PROXY$)/.test(name)) env[name] = value;
  }
  // Composer run as root (CI containers) asks for confirmation without this.
  return { ...env, COMPOSER_ALLOW_SUPERUSER: '1' };
}

/** The value printed after `label` on a line of the demo's output. */
function printed(text: string, label: RegExp): string {
  const match = label.exec(text);
  assert.ok(match?.[1], `the demo prints ${String(label)}:\n${text}`);
  return match[1].trim();
}

void describe('npm run demo, followed exactly as it prints', () => {
  let demo: ChildProcess;
  let out = '';
  let work: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'repogate-demo-test-'));
    demo = spawn(process.execPath, [demoScript, '--port', '0', '--admin-port', '0'], { cwd: work, env: newcomerEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    demo.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    demo.stderr!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    await waitFor(() => out.includes('Ctrl-C stops the demo.') || demo.exitCode !== null, { what: 'the demo to print its instructions', timeoutMs: 60_000 });
    assert.equal(demo.exitCode, null, out);
  });
  after(async () => {
    if (demo.exitCode === null) {
      const exited = new Promise((resolve) => demo.once('exit', resolve));
      demo.kill('SIGTERM');
      await exited;
    }
    await rm(work, { recursive: true, force: true });
  });

  void test('from nothing to a key made on the Access Keys page and used by composer create-project', async (t) => {
    if (!requireChromium(t) || !requireComposer(t)) return;
    const pageUrl = printed(out, /Sign in to the Access Keys page: (\S+)/);
    const mageId = printed(out, /MAGEID: +(\S+)/);
    const password = printed(out, /Password: +(\S+)/);
    const authJsonPath = printed(out, /save the auth\.json the page shows as\s+(\S+)/);
    const command = printed(out, /^ +(COMPOSER_HOME=\S+ composer create-project .+)$/m);
    const repositoryUrl = printed(out, /--repository-url=(\S+)/);
    const urls = [pageUrl, repositoryUrl, ...out.matchAll(/https?:\/\/([^/\s:]+)/g)].map((u) => (typeof u === 'string' ? new URL(u).hostname : u[1]));
    assert.deepEqual([...new Set(urls)], ['127.0.0.1'], 'one host everywhere the demo prints');

    // Sign in with the printed password and create a key on the page.
    const browser = await launchBrowser();
    t.after(() => browser.close());
    const { page } = await browser.newPage();
    await page.goto(pageUrl);
    await page.getByLabel('MAGEID').fill(mageId);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`**/accounts/${mageId}/access-keys`);
    await page.getByRole('button', { name: 'Create a New Access Key' }).click();
    await page.getByLabel('Name', { exact: true }).fill('My laptop');
    await page.getByRole('button', { name: 'OK', exact: true }).click();
    await page.locator('#issued-key').waitFor();
    const authJson = (await page.locator('#auth-json').textContent()) ?? '';
    const hosts = Object.keys((JSON.parse(authJson) as { 'http-basic': Record<string, unknown> })['http-basic']);
    assert.deepEqual(hosts, [new URL(repositoryUrl).host], "the page's auth.json names the host the demo prints");
    await writeFile(authJsonPath, authJson);

    // The printed command, as printed, in a shell.
    const run = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const shell = spawn('sh', ['-c', command], { cwd: work, env: newcomerEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      shell.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      shell.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      shell.on('error', reject);
      shell.on('close', (code) => resolve({ code, output }));
    });
    assert.equal(run.code, 0, run.output);
    const projectDir = join(work, printed(command, /project-community-edition (\S+)$/));
    const composerJson = JSON.parse(await readFile(join(projectDir, 'composer.json'), 'utf8')) as { repositories: Array<{ url: string }> };
    assert.deepEqual(composerJson.repositories.map((r) => r.url), [`${repositoryUrl}/`], 'the new project names repogate');
    const installed = JSON.parse(await readFile(join(projectDir, 'vendor/composer/installed.json'), 'utf8')) as { packages: unknown[] };
    assert.ok(installed.packages.length > 150, `installed ${installed.packages.length} packages`);
  });
});
