import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { UsageRecorder } from '../../src/access/usage-recorder.js';
import { createLogger } from '../../src/logger.js';
import { openRegistryDatabase } from '../../src/registry/database.js';
import { createRegistry, type Registry } from '../../src/registry/registry.js';
import { createTestKey, type TestKey } from '../helpers/repogate.js';

// The warm metadata lane counts a key's repeated fetches through a handle (`recurring` + `use`);
// what reaches the audit trail and the key's last use must be what `record` + `activity` give.
describe('usage recorder', () => {
  let dir: string;
  let registry: Registry;
  let key: TestKey;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'repogate-usage-'));
    registry = createRegistry(await openRegistryDatabase(`sqlite:${join(dir, 'registry.sqlite')}`));
    key = await createTestKey(registry, { grants: [] });
  });

  after(async () => {
    await registry.close();
    await rm(dir, { recursive: true, force: true });
  });

  const fetched = async (pkg: string): Promise<number[]> =>
    (await registry.audit.list({ publicKey: key.publicKey }))
      .filter((e) => e.action === 'metadata.fetched' && e.detail?.['package'] === pkg)
      .map((e) => Number(e.detail?.['count'] ?? 1))
      .sort((a, b) => a - b);

  test('a handle counts with activity() in one event per window, across flushes, and sets the last use', async () => {
    const usage = new UsageRecorder(registry, createLogger({ level: 'silent' }), 3_600_000);
    try {
      const event = { publicKey: key.publicKey, accountId: key.accountId, action: 'metadata.fetched' as const, package: 'magento/module-catalog', address: '10.0.0.7' };
      const handle = usage.recurring(event);
      usage.use(handle);
      usage.use(handle);
      usage.activity(event);
      await usage.flush();
      // the next window: the handle looks its entries up again
      usage.use(handle);
      usage.use(handle);
      await usage.flush();
      await usage.flush();
      assert.deepEqual(await fetched('magento/module-catalog'), [2, 3]);
      const stored = await registry.keys.get(key.publicKey);
      assert.equal(stored.lastUsedAddress, '10.0.0.7');
      assert.ok(stored.lastUsedAt !== null && Date.now() - Date.parse(stored.lastUsedAt) < 60_000);

      // the key's last use is shared by its handles: the latest address wins
      usage.use(usage.recurring({ ...event, package: 'magento/framework', address: '10.0.0.8' }));
      await usage.flush();
      assert.equal((await registry.keys.get(key.publicKey)).lastUsedAddress, '10.0.0.8');
      assert.deepEqual(await fetched('magento/framework'), [1]);
    } finally {
      await usage.stop();
    }
  });
});
