import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AccessControl } from '../../src/access/access-control.js';
import { openRegistryDatabase } from '../../src/registry/database.js';
import { createRegistry, type Registry } from '../../src/registry/registry.js';
import { createTestKey, defineStandardEntitlements, testActor } from '../helpers/repogate.js';

/**
 * The warm lane's shortcut (AccessControl.allowedPrincipal) answers only what checkAccess allowed
 * before, for the same header and package, the same day, from an address the key may use, with
 * nothing changed in the registry since.
 */
void describe('answers remembered for warm requests', () => {
  let dir: string;
  let registry: Registry;
  let clock = Date.parse('2026-03-10T23:59:00Z');
  let access: AccessControl;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'repogate-warm-access-'));
    // The registry keeps the test's clock too: it refuses keys whose last day has passed.
    registry = createRegistry(await openRegistryDatabase(`sqlite:${join(dir, 'registry.sqlite')}`), { now: () => new Date(clock) });
    await defineStandardEntitlements(registry);
    access = new AccessControl(registry, { now: () => new Date(clock) });
  });
  after(async () => {
    access.stop();
    await registry.close();
    await rm(dir, { recursive: true, force: true });
  });

  const ask = (authorization: string, packageName: string, address = '10.0.0.5') => access.checkAccess({ authorization, address, packageName });

  void test('only the header and package that were allowed, only until the key changes', async () => {
    const key = await createTestKey(registry, { grants: ['open-source'] });
    assert.equal(access.allowedPrincipal(key.authorization, '10.0.0.5', 'magento/module-catalog'), undefined);
    assert.equal((await ask(key.authorization, 'magento/module-catalog')).ok, true);
    assert.equal(access.allowedPrincipal(key.authorization, '10.0.0.5', 'magento/module-catalog')?.publicKey, key.publicKey);
    // Another package, another header: ask again.
    assert.equal(access.allowedPrincipal(key.authorization, '10.0.0.5', 'magento/module-sales'), undefined);
    assert.equal(access.allowedPrincipal(`${key.authorization}x`, '10.0.0.5', 'magento/module-catalog'), undefined);
    // A refused package is never remembered.
    assert.equal((await ask(key.authorization, 'magento/product-enterprise-edition')).ok, false);
    assert.equal(access.allowedPrincipal(key.authorization, '10.0.0.5', 'magento/product-enterprise-edition'), undefined);
    await registry.keys.disable(key.publicKey, testActor);
    assert.equal(access.allowedPrincipal(key.authorization, '10.0.0.5', 'magento/module-catalog'), undefined);
    const refused = await ask(key.authorization, 'magento/module-catalog');
    assert.equal(refused.ok ? 'allowed' : refused.code, 'KEY_DISABLED');
  });

  void test('a key that expires at midnight is not let through the next day', async () => {
    clock = Date.parse('2026-03-10T23:59:00Z');
    const key = await createTestKey(registry, { grants: ['open-source'], expiresOn: '2026-03-10' });
    assert.equal((await ask(key.authorization, 'magento/module-catalog')).ok, true);
    assert.ok(access.allowedPrincipal(key.authorization, '10.0.0.5', 'magento/module-catalog'));
    clock = Date.parse('2026-03-11T00:00:01Z');
    assert.equal(access.allowedPrincipal(key.authorization, '10.0.0.5', 'magento/module-catalog'), undefined);
    const refused = await ask(key.authorization, 'magento/module-catalog');
    assert.equal(refused.ok ? 'allowed' : refused.code, 'KEY_EXPIRED');
  });

  void test('a key limited to a network is not let through from outside it', async () => {
    const key = await createTestKey(registry, { grants: ['open-source'], cidrs: ['10.0.0.0/24'] });
    assert.equal((await ask(key.authorization, 'magento/module-catalog', '10.0.0.5')).ok, true);
    assert.ok(access.allowedPrincipal(key.authorization, '10.0.0.9', 'magento/module-catalog'));
    assert.equal(access.allowedPrincipal(key.authorization, '192.168.1.9', 'magento/module-catalog'), undefined);
    const refused = await ask(key.authorization, 'magento/module-catalog', '192.168.1.9');
    assert.equal(refused.ok ? 'allowed' : refused.code, 'ADDRESS_NOT_ALLOWED');
  });
});
