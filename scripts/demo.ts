/**
 * `npm run demo [-- --port <n> --admin-port <n>]`: the sample upstream bundled with the tests (shaped
 * like repo.magento.com, with Magento's project template), repogate in front of it with a fresh
 * registry, an account with an owner password — and the steps to try: sign in to the Access Keys
 * page, create a key, `composer create-project`. Everything runs offline on this machine, on
 * 127.0.0.1 only (Composer matches credentials by exact host, so every URL printed names that
 * host); Ctrl-C stops it. A port of 0 takes a free one.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startRepogate } from '../src/server.js';
import { startMockUpstream } from '../test/helpers/mock-upstream/index.js';

const actor = { type: 'cli', id: 'demo' } as const;
const host = '127.0.0.1';
const account = 'MAG000000001';

/** A port number from an option or variable (0: a free one), or a message naming the problem. */
async function portOf(name: string, value: string): Promise<number> {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new Error(`${name} must be a port number (0 for a free one), not "${value}"`);
  const port = Number(value);
  if (port !== 0) return port;
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string' }, 'admin-port': { type: 'string' } } });
  const port = await portOf('--port', values.port ?? process.env['PORT'] ?? '8080');
  const adminPort = await portOf('--admin-port', values['admin-port'] ?? process.env['REPOGATE_ADMIN_PORT'] ?? '8081');
  const publicUrl = `http://${host}:${port}`;

  const upstream = await startMockUpstream({ layout: 'providers' });
  const dataDir = await mkdtemp(join(tmpdir(), 'repogate-demo-'));
  const password = randomBytes(12).toString('base64url');
  const adminToken = randomBytes(24).toString('hex');
  const config = loadConfig({
    ...process.env,
    PORT: String(port),
    REPOGATE_HOST: host,
    REPOGATE_ADMIN_PORT: String(adminPort),
    REPOGATE_ADMIN_HOST: host,
    // One host everywhere: the rewritten URLs, the page's auth.json snippet and what is printed here.
    REPOGATE_PUBLIC_URL: publicUrl,
    REPOGATE_ADMIN_TOKEN: adminToken,
    REPOGATE_DATA_DIR: join(dataDir, 'data'),
    REPOGATE_UPSTREAM_URL: upstream.url,
    REPOGATE_UPSTREAM_USERNAME: upstream.username,
    REPOGATE_UPSTREAM_PASSWORD: upstream.password,
    // The demo's registry is new on every run: its start-up warning (REGISTRY_CREATED) would be noise.
    REPOGATE_LOG_LEVEL: process.env['REPOGATE_LOG_LEVEL'] ?? 'error',
  });
  const repogate = await startRepogate(config, createLogger({ level: config.logLevel }));
  const { registry } = repogate;
  await registry.entitlements.define('open-source', ['magento/*', '!magento/product-enterprise-edition'], actor);
  await registry.entitlements.define('marketplace', ['mageplaza/*'], actor);
  await registry.accounts.create({ id: account, name: 'Demo Agency', email: 'owner@example.com' }, actor);
  await registry.accounts.setPassword(account, password, actor);
  await registry.entitlements.grant(account, 'open-source', null, actor);
  await registry.entitlements.grant(account, 'marketplace', null, actor);
  const { key, privateKey } = await registry.keys.create(account, 'Jane Developer', {}, actor);

  // A Composer home for the demo: plain http allowed and packagist.org off, so it all stays offline.
  const composerHome = join(dataDir, 'composer-home');
  await mkdir(composerHome, { recursive: true });
  await writeFile(join(composerHome, 'config.json'), `${JSON.stringify({ config: { 'secure-http': false }, repositories: { 'packagist.org': false } }, null, 4)}\n`);
  const adminUrl = repogate.adminUrl.replace(/\/$/, '');

  console.log(`
repogate demo (offline, on this machine)
  repogate for Composer:                   ${publicUrl}
  Access Keys page:                        ${adminUrl}/
  sample upstream (like repo.magento.com): ${upstream.url}
  registry and Composer home:              ${dataDir}

1. Sign in to the Access Keys page: ${adminUrl}/
     MAGEID:   ${account}
     Password: ${password}
   (the operator signs in there with the admin token ${adminToken})

2. Create a New Access Key, and save the auth.json the page shows as
     ${join(composerHome, 'auth.json')}

3. Create a Magento project through repogate, as Magento's install guide does:
     COMPOSER_HOME=${composerHome} composer create-project --repository-url=${publicUrl} magento/project-community-edition magento-shop

   Its composer.json names repogate, so "composer update" and "composer require" there (with the
   same COMPOSER_HOME) go through repogate too.

Or use the key made for "Jane Developer" at once:
  curl -u ${key.publicKey}:${privateKey} ${publicUrl}/p2/magento/framework.json

Manage keys with the CLI against the same registry:
  REPOGATE_DATA_DIR=${config.dataDir} npx repogate keys list
  REPOGATE_DATA_DIR=${config.dataDir} npx repogate keys disable ${key.publicKey}

Ctrl-C stops the demo.`);

  const stop = async (): Promise<void> => {
    await repogate.close();
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(`repogate demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
});
