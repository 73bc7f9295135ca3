/**
 * `npm run demo`: the sample upstream bundled with the tests (shaped like repo.magento.com), repogate
 * in front of it with a fresh registry, an account with a key — and the Composer commands to try.
 * Everything runs offline on this machine; Ctrl-C stops it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startRepogate } from '../src/server.js';
import { startMockUpstream } from '../test/helpers/mock-upstream/index.js';

const actor = { type: 'cli', id: 'demo' } as const;

async function main(): Promise<void> {
  const upstream = await startMockUpstream({ layout: 'providers' });
  const dataDir = await mkdtemp(join(tmpdir(), 'repogate-demo-'));
  const config = loadConfig({
    ...process.env,
    PORT: process.env['PORT'] ?? '8080',
    REPOGATE_HOST: '127.0.0.1',
    REPOGATE_ADMIN_PORT: process.env['REPOGATE_ADMIN_PORT'] ?? '8081',
    REPOGATE_DATA_DIR: dataDir,
    REPOGATE_UPSTREAM_URL: upstream.url,
    REPOGATE_UPSTREAM_USERNAME: upstream.username,
    REPOGATE_UPSTREAM_PASSWORD: upstream.password,
    REPOGATE_LOG_LEVEL: process.env['REPOGATE_LOG_LEVEL'] ?? 'warn',
  });
  const repogate = await startRepogate(config, createLogger({ level: config.logLevel }));
  const { registry } = repogate;
  await registry.entitlements.define('open-source', ['magento/*', '!magento/product-enterprise-edition'], actor);
  await registry.entitlements.define('marketplace', ['mageplaza/*'], actor);
  await registry.accounts.create({ id: 'MAG000000001', name: 'Demo Agency', email: 'owner@example.com' }, actor);
  await registry.entitlements.grant('MAG000000001', 'open-source', null, actor);
  await registry.entitlements.grant('MAG000000001', 'marketplace', null, actor);
  const { key, privateKey } = await registry.keys.create('MAG000000001', 'Jane Developer', {}, actor);
  const host = new URL(repogate.url).host;

  console.log(`
repogate demo
  sample upstream (like repo.magento.com): ${upstream.url}
  repogate:                                ${repogate.url}
  registry (SQLite):                       ${dataDir}

Account MAG000000001 has a key for "Jane Developer":
  public key:  ${key.publicKey}
  private key: ${privateKey}

Try it in another terminal:
  mkdir /tmp/shop && cd /tmp/shop
  composer init --no-interaction --name demo/shop
  composer config secure-http false
  composer config repositories.repogate composer ${repogate.url}
  composer config repositories.packagist false
  composer config http-basic.${host} ${key.publicKey} ${privateKey}
  composer require magento/product-community-edition:2.4.7 mageplaza/module-smtp

  curl -u ${key.publicKey}:${privateKey} ${repogate.url}/p2/magento/framework.json

Manage keys with the CLI against the same registry:
  REPOGATE_DATA_DIR=${dataDir} npx repogate keys list
  REPOGATE_DATA_DIR=${dataDir} npx repogate keys disable ${key.publicKey}

Ctrl-C stops the demo.`);

  const stop = async (): Promise<void> => {
    await repogate.close();
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

void main();
