/**
 * One contract, two stores: every behaviour of the registry's service layer, run against SQLite and
 * against PostgreSQL. A difference between them is a bug in the store, not in the test.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { loadPrincipal } from '../../src/access/load-principal.js';
import { isRepogateError, type ErrorCode } from '../../src/errors.js';
import { openRegistryDatabase } from '../../src/registry/database.js';
import { createRegistry, type Registry } from '../../src/registry/registry.js';
import { startTestPostgres, type TestDatabase, type TestPostgres } from '../helpers/postgres.js';
import { testActor as actor } from '../helpers/repogate.js';

/** A database of one store for one suite: its URL, and how to remove it. */
interface StoreDatabase {
  readonly url: string;
  remove(): Promise<void>;
}

interface Store {
  readonly name: string;
  /**
   * Whether concurrent writers in this test may each have a connection of their own. Not for SQLite:
   * better-sqlite3 is synchronous, so a second connection in the same process that waits for the
   * write lock blocks the event loop and with it the first one's commit. Every process uses one
   * connection; writers in separate processes are tested in shared-registry.test.ts.
   */
  readonly connectionPerWriter: boolean;
  /** A fresh, empty database; undefined when the store isn't available here (the suite skips). */
  create(): Promise<StoreDatabase | undefined>;
  release(): Promise<void>;
}

const sqliteStore: Store = {
  name: 'SQLite',
  connectionPerWriter: false,
  async create() {
    const dir = await mkdtemp(join(tmpdir(), 'repogate-contract-'));
    return { url: `sqlite:${join(dir, 'registry.sqlite')}`, remove: () => rm(dir, { recursive: true, force: true }) };
  },
  release: () => Promise.resolve(),
};

let postgres: Promise<TestPostgres | undefined> | undefined;
const postgresStore: Store = {
  name: 'PostgreSQL',
  connectionPerWriter: true,
  async create() {
    postgres ??= startTestPostgres();
    const server = await postgres;
    if (!server) return undefined;
    const database: TestDatabase = await server.createDatabase();
    return { url: database.url, remove: () => database.drop() };
  },
  async release() {
    const server = postgres;
    postgres = undefined;
    await (await server)?.close();
  },
};

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isRepogateError(error), `expected a RepogateError ${code}, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

let accountCounter = 100;
const newAccountId = (): string => `MAG${++accountCounter}${Math.floor(Math.random() * 1e6)}`;

for (const store of [sqliteStore, postgresStore]) {
  void describe(`the registry contract on ${store.name}`, () => {
    let database: StoreDatabase | undefined;
    let registry: Registry;
    const opened: Registry[] = [];

    /** Another registry on the same database: another connection, as another process would have. */
    const openAnother = async (): Promise<Registry> => {
      const other = createRegistry(await openRegistryDatabase(database!.url));
      opened.push(other);
      return other;
    };

    before(async () => {
      database = await store.create();
      if (database) registry = await openAnother();
    });
    after(async () => {
      for (const r of opened) await r.close();
      await database?.remove();
      await store.release();
    });

    /** Skips (outside CI) when the store is not available on this machine. */
    const available = (t: TestContext): boolean => {
      if (database) return true;
      t.skip(`${store.name} not available`);
      return false;
    };

    void test('sources: add (credentials sealed), list, settings, account lists, remove', async (t) => {
      if (!available(t)) return;
      const secretsKey = 'contract-secrets-key-of-at-least-32-chars';
      const id = newAccountId();
      await registry.accounts.create({ id, name: 'Reads Sources' }, actor);
      const before = await registry.version();
      const added = await registry.sources.add(
        { name: 'contract-private', url: 'https://private.example/repo/', username: 'alice', password: 'pw-contract', githubToken: 'ghp_contract' },
        actor,
        secretsKey,
      );
      assert.deepEqual(
        { ...added, createdAt: '', updatedAt: '' },
        { name: 'contract-private', url: 'https://private.example/repo', username: 'alice', hasPassword: true, hasGithubToken: true, createdAt: '', updatedAt: '', accounts: [] },
      );
      assert.ok((await registry.version()) > before, 'adding a source moves the registry version');
      await registry.sources.add({ name: 'contract-public', url: 'http://public.example' }, actor, undefined);
      await rejectsWith(registry.sources.add({ name: 'contract-public', url: 'http://public.example' }, actor, undefined), 'ALREADY_EXISTS');
      await rejectsWith(registry.sources.add({ name: 'default', url: 'http://x.example' }, actor, undefined), 'BAD_REQUEST');
      await rejectsWith(registry.sources.add({ name: 'contract-x', url: 'http://x.example', username: 'u', password: 'p' }, actor, undefined), 'BAD_REQUEST');
      await rejectsWith(registry.sources.add({ name: 'contract-x', url: 'http://u:p@x.example' }, actor, undefined), 'BAD_REQUEST');
      await rejectsWith(registry.sources.get('contract-none'), 'NOT_FOUND');

      const raw = await registry.context.db.selectFrom('sources').selectAll().where('name', '=', 'contract-private').executeTakeFirstOrThrow();
      assert.ok(raw.password !== null && !raw.password.includes('pw-contract'));
      assert.ok(raw.github_token !== null && !raw.github_token.includes('ghp_contract'));

      const settings = await registry.sources.settings(secretsKey);
      const opened = settings.find((s) => s.name === 'contract-private');
      assert.deepEqual(opened && { ...opened, updatedAt: '' }, { name: 'contract-private', url: 'https://private.example/repo', username: 'alice', password: 'pw-contract', githubToken: 'ghp_contract', updatedAt: '' });
      const withoutKey = (await registry.sources.settings(undefined)).find((s) => s.name === 'contract-private');
      assert.ok(withoutKey && 'error' in withoutKey && /REPOGATE_SECRETS_KEY/.test(withoutKey.error));
      const wrongKey = (await registry.sources.settings('another-key-of-at-least-32-characters!')).find((s) => s.name === 'contract-private');
      assert.ok(wrongKey && 'error' in wrongKey && /REPOGATE_SECRETS_KEY is not the one/.test(wrongKey.error));
      const publicOne = (await registry.sources.settings(undefined)).find((s) => s.name === 'contract-public');
      assert.ok(publicOne && !('error' in publicOne) && publicOne.password === null);

      const set = await registry.accounts.setSources(id, ['contract-private', 'default'], actor);
      assert.deepEqual(set.sources, ['contract-private', 'default']);
      assert.deepEqual((await registry.sources.get('contract-private')).accounts, [id]);
      const issued = await registry.keys.create(id, 'reads sources', {}, actor);
      const loaded = await loadPrincipal(registry, issued.key.publicKey);
      assert.ok(loaded !== 'unknown');
      assert.deepEqual([loaded.principal.sources, loaded.principal.sourcesKey], [['contract-private', 'default'], 'contract-private,default']);
      await rejectsWith(registry.accounts.setSources(id, ['default', 'contract-none'], actor), 'NOT_FOUND');
      await rejectsWith(registry.accounts.setSources(id, ['default', 'default'], actor), 'VALIDATION');
      await rejectsWith(registry.accounts.setSources(id, [], actor), 'VALIDATION');
      await rejectsWith(registry.sources.remove('contract-private', actor), 'CONFLICT');
      await rejectsWith(registry.sources.remove('default', actor), 'BAD_REQUEST');

      await registry.accounts.setSources(id, ['default'], actor);
      const reloaded = await loadPrincipal(registry, issued.key.publicKey);
      assert.ok(reloaded !== 'unknown');
      assert.deepEqual([reloaded.principal.sources, reloaded.principal.sourcesKey], [['default'], 'default']);
      const row = await registry.context.db.selectFrom('accounts').select('sources').where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(row.sources, null, 'exactly ["default"] is stored as null');
      await registry.sources.remove('contract-private', actor);
      await registry.sources.remove('contract-public', actor);
      await rejectsWith(registry.sources.remove('contract-public', actor), 'NOT_FOUND');
      assert.deepEqual((await registry.sources.list()).filter((s) => s.name.startsWith('contract-')), []);
      const actions = (await registry.audit.list({ limit: 20 })).map((e) => e.action);
      for (const action of ['source.added', 'source.removed', 'account.sources_set']) assert.ok(actions.includes(action), action);
    });

    void test('accounts: create, find, list, suspend with a reason, resume, password', async (t) => {
      if (!available(t)) return;
      const id = newAccountId();
      const created = await registry.accounts.create({ id, name: 'Example Ltd', email: 'ops@example.com' }, actor);
      assert.deepEqual(
        { ...created, createdAt: undefined },
        { id, name: 'Example Ltd', email: 'ops@example.com', status: 'active', suspensionReason: null, hasPassword: false, createdAt: undefined, sources: ['default'] },
      );
      assert.deepEqual(await registry.accounts.get(id), created);
      assert.ok((await registry.accounts.list()).some((a) => a.id === id));
      await rejectsWith(registry.accounts.create({ id, name: 'Again' }, actor), 'ALREADY_EXISTS');
      await rejectsWith(registry.accounts.get('MAG999999999999'), 'NOT_FOUND');

      const suspended = await registry.accounts.suspend(id, 'outstanding invoice', actor);
      assert.equal(suspended.status, 'suspended');
      assert.equal(suspended.suspensionReason, 'outstanding invoice');
      const resumed = await registry.accounts.resume(id, actor);
      assert.equal(resumed.status, 'active');
      assert.equal(resumed.suspensionReason, null);

      assert.equal(await registry.accounts.checkPassword(id, 'correct horse battery'), false);
      await rejectsWith(registry.accounts.setPassword(id, 'short', actor), 'VALIDATION');
      await registry.accounts.setPassword(id, 'correct horse battery', actor);
      assert.equal((await registry.accounts.get(id)).hasPassword, true);
      assert.equal(await registry.accounts.checkPassword(id, 'correct horse battery'), true);
      assert.equal(await registry.accounts.checkPassword(id, 'wrong horse battery'), false);
    });

    void test('entitlements and grants: define, redefine, grant with expiry, change it, revoke', async (t) => {
      if (!available(t)) return;
      const id = newAccountId();
      await registry.accounts.create({ id, name: 'Grants' }, actor);
      const name = `contract-${id.toLowerCase()}`;
      const defined = await registry.entitlements.define(name, ['magento/*', '!magento/module-staging'], actor);
      assert.deepEqual(defined.rules, ['magento/*', '!magento/module-staging']);
      const redefined = await registry.entitlements.define(name, ['vendor/*'], actor);
      assert.deepEqual(redefined.rules, ['vendor/*']);
      assert.equal(redefined.createdAt, defined.createdAt);
      assert.deepEqual((await registry.entitlements.list()).find((e) => e.name === name)?.rules, ['vendor/*']);
      await rejectsWith(registry.entitlements.define(name, [], actor), 'VALIDATION');

      const grant = await registry.entitlements.grant(id, name, '2031-12-31', actor);
      assert.deepEqual({ ...grant, createdAt: '' }, { accountId: id, entitlement: name, expiresOn: '2031-12-31', createdAt: '' });
      await registry.entitlements.grant(id, name, null, actor);
      assert.deepEqual(
        (await registry.entitlements.grantsOf(id)).map((g) => [g.entitlement, g.expiresOn]),
        [[name, null]],
        'granting again changes the expiry, it adds no second grant',
      );
      await rejectsWith(registry.entitlements.grant(id, 'no-such-entitlement', null, actor), 'NOT_FOUND');
      await registry.entitlements.revoke(id, name, actor);
      assert.deepEqual(await registry.entitlements.grantsOf(id), []);
      await rejectsWith(registry.entitlements.revoke(id, name, actor), 'NOT_FOUND');
    });

    void test('keys: create with settings, list, disable, enable, rename, regenerate, usage, delete', async (t) => {
      if (!available(t)) return;
      const id = newAccountId();
      await registry.accounts.create({ id, name: 'Keys' }, actor);
      const issued = await registry.keys.create(
        id,
        'alice laptop',
        { scope: ['magento/*', '!magento/module-x'], expiresOn: '2030-06-30', cidrs: ['10.0.0.0/8', '2001:db8::/32'] },
        actor,
      );
      assert.match(issued.privateKey, /^[0-9a-f]{32}$/);
      const publicKey = issued.key.publicKey;
      const shown = await registry.keys.get(publicKey);
      assert.deepEqual(shown, issued.key);
      assert.deepEqual(shown.scope, ['magento/*', '!magento/module-x']);
      assert.deepEqual(shown.cidrs, ['10.0.0.0/8', '2001:db8::/32']);
      assert.equal(shown.expiresOn, '2030-06-30');
      assert.equal(shown.status, 'enabled');
      await registry.keys.create(id, 'ci', {}, actor);
      assert.deepEqual((await registry.keys.list(id)).map((k) => k.name).sort(), ['alice laptop', 'ci']);
      await rejectsWith(registry.keys.create('MAG999999999998', 'nobody', {}, actor), 'NOT_FOUND');

      assert.equal((await registry.keys.disable(publicKey, actor)).key.status, 'disabled');
      const unchanged = await registry.version();
      const again = await registry.keys.disable(publicKey, actor);
      assert.deepEqual([again.changed, again.key.status], [false, 'disabled'], 'disabling a disabled key changes nothing');
      assert.equal(await registry.version(), unchanged, 'and is no registry change');
      assert.deepEqual(
        (await registry.audit.list({ publicKey })).map((e) => e.action),
        ['key.disabled', 'key.created'],
        'nor an audit event',
      );
      const [one, other] = await Promise.all([registry.keys.enable(publicKey, actor), registry.keys.enable(publicKey, actor)]);
      assert.deepEqual([one.changed, other.changed].sort(), [false, true], 'of two concurrent enables, one changes the key');
      assert.equal((await registry.keys.enable(publicKey, actor)).key.status, 'enabled');
      await rejectsWith(registry.keys.create(id, 'expired', { expiresOn: '2020-01-31' }, actor), 'VALIDATION');
      assert.equal((await registry.keys.rename(publicKey, 'alice desktop', actor)).name, 'alice desktop');

      const versionBefore = await registry.version();
      await registry.keys.recordUsage([{ publicKey, at: '2025-01-02T03:04:05.000Z', address: '10.1.2.3' }]);
      const used = await registry.keys.get(publicKey);
      assert.equal(used.lastUsedAt, '2025-01-02T03:04:05.000Z');
      assert.equal(used.lastUsedAddress, '10.1.2.3');
      assert.equal(await registry.version(), versionBefore, 'recording usage is not a registry change');

      const regenerated = await registry.keys.regenerate(publicKey, actor);
      assert.notEqual(regenerated.key.publicKey, publicKey);
      assert.notEqual(regenerated.privateKey, issued.privateKey);
      assert.equal(await registry.keys.find(publicKey), undefined, 'the old pair is gone');
      assert.deepEqual(
        { name: regenerated.key.name, scope: regenerated.key.scope, cidrs: regenerated.key.cidrs, expiresOn: regenerated.key.expiresOn },
        { name: 'alice desktop', scope: shown.scope, cidrs: shown.cidrs, expiresOn: shown.expiresOn },
      );
      assert.equal(regenerated.key.lastUsedAt, null);

      await registry.keys.delete(regenerated.key.publicKey, actor);
      await rejectsWith(registry.keys.get(regenerated.key.publicKey), 'NOT_FOUND');
      assert.deepEqual((await registry.keys.list(id)).map((k) => k.name), ['ci']);
    });

    void test('download counts: a batch of hundreds in one go, added to what a day already has, per key and per package', async (t) => {
      if (!available(t)) return;
      const accountId = newAccountId();
      await registry.accounts.create({ id: accountId, name: 'Counts' }, actor);
      const key = (n: number): string => `K${String(n).padStart(31, '0')}`;
      const names = Array.from({ length: 450 }, (_, i) => `vendor/module-${i}`);
      const versionBefore = await registry.version();
      await registry.usage.addDownloads('2030-01-02', accountId, names.map((name) => ({ publicKey: key(1), package: name, count: 1 })));
      await registry.usage.addDownloads('2030-01-02', accountId, [
        { publicKey: key(1), package: 'vendor/module-0', count: 2 },
        { publicKey: key(2), package: 'vendor/module-0', count: 5 },
      ]);
      await registry.usage.addDownloads('2030-01-03', accountId, [{ publicKey: key(1), package: 'vendor/module-1', count: 4 }]);
      assert.equal(await registry.version(), versionBefore, 'download counts are not a registry change');

      const perKey = await registry.usage.downloadsPerKey('2030-01-01', accountId);
      assert.deepEqual(Object.fromEntries(perKey), { [key(1)]: 450 + 2 + 4, [key(2)]: 5 });
      const perPackage = await registry.usage.downloadsPerPackage('2030-01-01', { accountId });
      assert.equal(perPackage.length, 450);
      assert.deepEqual(perPackage.slice(0, 2), [
        { package: 'vendor/module-0', count: 1 + 2 + 5 },
        { package: 'vendor/module-1', count: 1 + 4 },
      ]);
      assert.deepEqual(await registry.usage.downloadsPerPackage('2030-01-03', { publicKey: key(1) }), [{ package: 'vendor/module-1', count: 4 }]);
    });

    void test('downloads tokens: generate, verify, replace, refused while suspended', async (t) => {
      if (!available(t)) return;
      const id = newAccountId();
      await registry.accounts.create({ id, name: 'Tokens' }, actor);
      assert.equal(await registry.tokens.find(id), undefined);
      const first = await registry.tokens.generate(id, actor);
      assert.equal(await registry.tokens.verify(id, first.token), true);
      assert.equal((await registry.tokens.find(id))?.createdAt, first.info.createdAt);
      const second = await registry.tokens.generate(id, actor);
      assert.equal(await registry.tokens.verify(id, first.token), false, 'the previous token stops working');
      assert.equal(await registry.tokens.verify(id, second.token), true);
      await registry.accounts.suspend(id, 'unpaid', actor);
      assert.equal(await registry.tokens.verify(id, second.token), false);
      const [event] = await registry.audit.list({ accountId: id, limit: 2 });
      assert.equal(event?.action, 'account.suspended');
      const generated = (await registry.audit.list({ accountId: id })).filter((e) => e.action === 'token.generated');
      assert.deepEqual(
        generated.map((e) => e.detail),
        [{ replacedPrevious: true }, { replacedPrevious: false }],
      );
    });

    void test('deleting an account deletes its keys, grants and token; the audit trail keeps its history', async (t) => {
      if (!available(t)) return;
      const id = newAccountId();
      await registry.accounts.create({ id, name: 'Leaving' }, actor);
      const entitlement = `leaving-${id.toLowerCase()}`;
      await registry.entitlements.define(entitlement, ['*/*'], actor);
      await registry.entitlements.grant(id, entitlement, null, actor);
      const { key } = await registry.keys.create(id, 'dev', {}, actor);
      await registry.tokens.generate(id, actor);
      await registry.accounts.delete(id, actor);
      assert.equal(await registry.accounts.find(id), undefined);
      assert.equal(await registry.keys.find(key.publicKey), undefined);
      assert.deepEqual(await registry.keys.list(id), []);
      assert.deepEqual(await registry.entitlements.grantsOf(id), []);
      assert.equal(await registry.tokens.find(id), undefined);
      assert.ok(await registry.entitlements.find(entitlement), 'the entitlement itself stays');
      assert.deepEqual(
        (await registry.audit.list({ accountId: id })).map((e) => e.action),
        ['account.deleted', 'token.generated', 'key.created', 'grant.added', 'account.created'],
      );
    });

    void test('audit: newest first, numeric ids, actor, details, filters', async (t) => {
      if (!available(t)) return;
      const id = newAccountId();
      const since = new Date().toISOString();
      await registry.accounts.create({ id, name: 'Audited', email: 'a@example.com' }, { type: 'operator', id: 'ops' });
      const { key } = await registry.keys.create(id, 'k1', { scope: ['a/*'] }, actor);
      await registry.keys.disable(key.publicKey, actor);
      const events = await registry.audit.list({ accountId: id });
      assert.deepEqual(events.map((e) => e.action), ['key.disabled', 'key.created', 'account.created']);
      for (const event of events) assert.equal(typeof event.id, 'number');
      assert.ok(events[0]!.id > events[1]!.id && events[1]!.id > events[2]!.id, 'ids increase with time');
      assert.deepEqual(events[2]!.actor, { type: 'operator', id: 'ops' });
      assert.deepEqual(events[2]!.detail, { name: 'Audited', email: 'a@example.com' });
      assert.deepEqual(events[1]!.detail, { name: 'k1', scope: ['a/*'], expiresOn: null, cidrs: null });
      assert.equal(events[1]!.publicKey, key.publicKey);
      assert.deepEqual((await registry.audit.list({ publicKey: key.publicKey })).map((e) => e.action), ['key.disabled', 'key.created']);
      assert.equal((await registry.audit.list({ accountId: id, limit: 1 })).length, 1);
      assert.ok((await registry.audit.list({ since })).length >= 3);
      assert.deepEqual(await registry.audit.list({ since: '2999-01-01' }), []);
    });

    void test('the operator’s queries: audit by action family, until and before an id; key usage per account; keys needing attention; deleting an unused entitlement', async (t) => {
      if (!available(t)) return;
      const id = newAccountId();
      await registry.accounts.create({ id, name: 'Console' }, actor);
      const name = `console-${id.toLowerCase()}`;
      await registry.entitlements.define(name, ['vendor/*'], actor);
      await registry.entitlements.grant(id, name, '2031-12-31', actor);
      const old = (await registry.keys.create(id, 'old', {}, actor)).key;
      const scoped = (await registry.keys.create(id, 'scoped', { scope: ['vendor/a*'], expiresOn: '2031-12-20' }, actor)).key;
      await registry.keys.recordUsage([
        { publicKey: old.publicKey, at: '2020-01-02T03:04:05.000Z', address: '10.0.0.1' },
        { publicKey: scoped.publicKey, at: '2031-01-01T00:00:00.000Z', address: '10.0.0.2' },
      ]);

      const keyEvents = await registry.audit.list({ accountId: id, action: 'key.*' });
      assert.deepEqual(keyEvents.map((e) => e.action), ['key.created', 'key.created']);
      assert.deepEqual((await registry.audit.list({ accountId: id, action: 'grant.added' })).map((e) => e.action), ['grant.added']);
      const all = await registry.audit.list({ accountId: id });
      assert.deepEqual(await registry.audit.list({ accountId: id, beforeId: all[1]!.id }), all.slice(2), 'paging by id');
      assert.deepEqual(await registry.audit.list({ accountId: id, until: '2000-01-01T00:00:00.000Z' }), []);

      const usage = (await registry.keys.usageByAccount()).get(id);
      assert.deepEqual(usage, { keys: 2, lastUsedAt: '2031-01-01T00:00:00.000Z' });
      const attention = await registry.keys.needingAttention({ unusedBefore: '2030-06-01T00:00:00.000Z', today: '2031-12-01', expiringBy: '2031-12-31' });
      const mine = (keys: ReadonlyArray<{ accountId: string; name: string }>): string[] => keys.filter((k) => k.accountId === id).map((k) => k.name);
      assert.deepEqual(mine(attention.unused), ['old']);
      assert.deepEqual(mine(attention.expiring), ['scoped']);
      assert.deepEqual(mine(attention.scoped), ['scoped']);
      assert.ok((await registry.entitlements.allGrants()).some((g) => g.accountId === id && g.entitlement === name));

      await rejectsWith(registry.entitlements.delete(name, actor), 'CONFLICT');
      await registry.entitlements.revoke(id, name, actor);
      await registry.entitlements.delete(name, actor);
      assert.equal(await registry.entitlements.find(name), undefined);
      await rejectsWith(registry.entitlements.delete(name, actor), 'NOT_FOUND');
    });

    void test('every change bumps the version by one, seen from another connection; a refused change does not', async (t) => {
      if (!available(t)) return;
      const other = await openAnother();
      const id = newAccountId();
      const start = await registry.version();
      assert.equal(typeof start, 'number');
      await registry.accounts.create({ id, name: 'Versioned' }, actor);
      assert.equal(await other.version(), start + 1);
      await registry.keys.create(id, 'k', {}, actor);
      assert.equal(await other.version(), start + 2);
      await rejectsWith(registry.accounts.create({ id, name: 'Again' }, actor), 'ALREADY_EXISTS');
      await rejectsWith(registry.accounts.suspend(id, '', actor), 'VALIDATION');
      assert.equal(await other.version(), start + 2);

      const changes: Array<string | undefined> = [];
      const stop = registry.onChange(() => changes.push('changed'));
      await registry.accounts.suspend(id, 'reason', actor);
      stop();
      await registry.accounts.resume(id, actor);
      assert.deepEqual(changes, ['changed'], 'listeners hear committed changes until they unsubscribe');
    });

    void test('concurrent creates of the same record: one wins, the rest are ALREADY_EXISTS', async (t) => {
      if (!available(t)) return;
      const others = store.connectionPerWriter
        ? await Promise.all([openAnother(), openAnother(), openAnother()])
        : [registry, registry, registry];
      const id = newAccountId();
      const start = await registry.version();
      const outcomes = await Promise.all(
        [registry, ...others].map((r) =>
          r.accounts.create({ id, name: 'Racing' }, actor).then(
            () => 'created',
            (error: unknown) => (isRepogateError(error) ? error.code : String(error)),
          ),
        ),
      );
      assert.deepEqual(outcomes.sort(), ['ALREADY_EXISTS', 'ALREADY_EXISTS', 'ALREADY_EXISTS', 'created']);
      assert.equal(await registry.version(), start + 1, 'the losers changed nothing');
      assert.equal((await registry.audit.list({ accountId: id })).length, 1);

      const entitlement = `race-${id.toLowerCase()}`;
      await registry.entitlements.define(entitlement, ['*/*'], actor);
      await Promise.all([registry, ...others].map((r) => r.entitlements.grant(id, entitlement, null, actor)));
      assert.equal((await registry.entitlements.grantsOf(id)).length, 1, 'concurrent grants make one grant');
      const keys = await Promise.all([registry, ...others].map((r, i) => r.keys.create(id, `k${i}`, {}, actor)));
      assert.equal(new Set(keys.map((k) => k.key.publicKey)).size, 4);
      assert.equal((await registry.keys.list(id)).length, 4);
    });
  });
}

void describe('opening a new registry from several processes at once', () => {
  void test('every opener migrates or finds it migrated (SQLite and PostgreSQL)', async (t) => {
    for (const store of [sqliteStore, postgresStore]) {
      const database = await store.create();
      if (!database) {
        t.diagnostic(`${store.name} not available: skipped`);
        continue;
      }
      try {
        const registries = await Promise.all([1, 2, 3, 4].map(async () => createRegistry(await openRegistryDatabase(database.url))));
        await registries[0]!.accounts.create({ id: 'MAG1', name: 'First' }, actor);
        for (const r of registries) assert.equal((await r.accounts.get('MAG1')).name, 'First', store.name);
        for (const r of registries) await r.close();
      } finally {
        await database.remove();
        await store.release();
      }
    }
  });
});
