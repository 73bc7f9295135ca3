/**
 * `repogate migrate-registry`: a SQLite registry copied into PostgreSQL (and back) keeps every row,
 * its keys keep working, and a target that holds data is refused.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { sql } from 'kysely';
import { z } from 'zod';
import { openRegistryDatabase, type RegistryDatabase } from '../../src/registry/database.js';
import { createRegistry } from '../../src/registry/registry.js';
import { cliShapes, createDataDir, runCli, runJson } from '../helpers/cli.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { requirePostgres, startTestPostgres, type TestDatabase, type TestPostgres } from '../helpers/postgres.js';
import { basic, startTestRepogate, testActor } from '../helpers/repogate.js';

const migrated = z.strictObject({
  from: z.string(),
  to: z.string(),
  tables: z.record(z.string(), z.number().int()),
});

/** Every row of every registry table, in a stable order, for comparing two registries. */
async function dump(database: RegistryDatabase): Promise<Record<string, string[]>> {
  const tables = await database.db.introspection.getTables();
  const result: Record<string, string[]> = {};
  for (const table of tables.filter((t) => !t.isView && !t.name.startsWith('sqlite_')).map((t) => t.name).sort()) {
    if (table === 'registry_state') continue;
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(database.db);
    result[table] = rows
      .map((row) => JSON.stringify(Object.fromEntries(Object.entries(row).sort(([a], [b]) => a.localeCompare(b)))))
      .sort();
  }
  return result;
}

void describe('repogate migrate-registry', () => {
  let postgres: TestPostgres | undefined;
  let target: TestDatabase;
  let data: Awaited<ReturnType<typeof createDataDir>>;
  let upstream: MockUpstream;
  let sqliteUrl: string;
  let enabledKey: { publicKey: string; privateKey: string };
  let disabledKey: { publicKey: string; privateKey: string };

  before(async () => {
    postgres = await startTestPostgres();
    if (!postgres) return;
    target = await postgres.createDatabase();
    upstream = await startMockUpstream({ layout: 'composer2' });
    data = await createDataDir();
    sqliteUrl = `sqlite:${join(data.dataDir, 'registry.sqlite')}`;
    const cli = { dataDir: data.dataDir };
    await runJson(['entitlements', 'define', 'everything', '--rule', '*/*'], cli);
    await runJson(['accounts', 'create', 'MAG100200300', '--name', 'Example Ltd', '--email', 'ops@example.com'], cli);
    await runJson(['grant', 'MAG100200300', 'everything', '--expires', '2099-12-31'], cli);
    enabledKey = cliShapes.issuedKey.parse(await runJson(['keys', 'create', '--account', 'MAG100200300', '--name', 'ci', '--scope', 'magento/*'], cli));
    disabledKey = cliShapes.issuedKey.parse(await runJson(['keys', 'create', '--account', 'MAG100200300', '--name', 'gone'], cli));
    await runJson(['keys', 'disable', disabledKey.publicKey], cli);
    await runJson(['tokens', 'generate', '--account', 'MAG100200300'], cli);
    // More rows than one copy batch (500), so that paging is exercised.
    const registry = createRegistry(await openRegistryDatabase(sqliteUrl));
    try {
      await registry.accounts.create({ id: 'MAG7', name: 'Bulk' }, testActor);
      for (let i = 0; i < 260; i++) {
        const { key } = await registry.keys.create('MAG7', `bulk ${i}`, {}, testActor);
        if (i % 2 === 0) await registry.keys.disable(key.publicKey, testActor);
      }
      await registry.accounts.setPassword('MAG7', 'correct horse battery', testActor);
    } finally {
      await registry.close();
    }
  });
  after(async () => {
    if (!postgres) return;
    await upstream.close();
    await data.cleanup();
    await target.drop();
    await postgres.close();
  });

  const available = (t: TestContext): boolean => requirePostgres(t, postgres);

  void test('copies every table into an empty PostgreSQL, prints the counts, and the keys work there', async (t) => {
    if (!available(t)) return;
    const result = migrated.parse(await runJson(['migrate-registry', '--from', sqliteUrl, '--to', target.url], { dataDir: data.dataDir }));
    assert.equal(result.from, sqliteUrl);
    assert.deepEqual(
      Object.fromEntries(Object.entries(result.tables).filter(([table]) => ['accounts', 'entitlements', 'grants', 'access_keys', 'download_tokens', 'audit_events'].includes(table))),
      { accounts: 2, entitlements: 1, grants: 1, access_keys: 262, download_tokens: 1, audit_events: 7 + 1 + 260 + 130 + 1 },
    );

    const [source, copy] = [await openRegistryDatabase(sqliteUrl), await openRegistryDatabase(target.url)];
    try {
      assert.deepEqual(await dump(copy), await dump(source), 'every row arrived unchanged');
      const copied = createRegistry(copy);
      assert.ok((await copied.version()) > (await createRegistry(source).version()), 'the version moved on');
      assert.equal(await copied.accounts.checkPassword('MAG7', 'correct horse battery'), true);
      const maxId = Math.max(...(await copied.audit.list({ limit: 5000 })).map((e) => e.id));
      await copied.accounts.create({ id: 'MAG8', name: 'After the move' }, testActor);
      const [newest] = await copied.audit.list({ limit: 1 });
      assert.equal(newest?.id, maxId + 1, 'new audit events continue after the copied ids');
    } finally {
      await Promise.all([source.close(), copy.close()]);
    }

    const repogate = await startTestRepogate({
      upstream,
      env: { REPOGATE_DATABASE_URL: target.url },
    });
    try {
      const get = (key: { publicKey: string; privateKey: string }): Promise<Response> =>
        fetch(`${repogate.url}/p2/magento/module-catalog.json`, { headers: { authorization: basic(key.publicKey, key.privateKey) } });
      assert.equal((await get(enabledKey)).status, 200);
      const refused = await get(disabledKey);
      assert.equal(refused.status, 401);
      assert.equal(((await refused.json()) as { code: string }).code, 'KEY_DISABLED');
    } finally {
      await repogate.stop();
    }
  });

  void test('a target that holds data is refused (exit 1, CONFLICT) and left as it was', async (t) => {
    if (!available(t)) return;
    const copy = await openRegistryDatabase(target.url);
    const before = await dump(copy);
    const human = await runCli(['migrate-registry', '--from', sqliteUrl, '--to', target.url], { dataDir: data.dataDir });
    assert.equal(human.code, 1);
    assert.match(human.stderr, /^repogate: .*not empty/);
    assert.equal(human.stdout, '');
    const json = await runCli(['migrate-registry', '--from', sqliteUrl, '--to', target.url, '--json'], { dataDir: data.dataDir });
    assert.equal(json.code, 1);
    assert.equal(cliShapes.error.parse(JSON.parse(json.stderr)).error.code, 'CONFLICT');
    try {
      assert.deepEqual(await dump(copy), before);
    } finally {
      await copy.close();
    }
  });

  void test('back from PostgreSQL into a new SQLite file: the same rows, in human output a table of counts', async (t) => {
    if (!available(t)) return;
    const back = `sqlite:${join(data.dataDir, 'back', 'registry.sqlite')}`;
    const result = await runCli(['migrate-registry', '--from', target.url, '--to', back], { dataDir: data.dataDir });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Copied the registry postgres:\/\/.* into sqlite:/);
    assert.match(result.stdout, /access_keys\s*│\s*262/);
    const [copy, source] = [await openRegistryDatabase(back), await openRegistryDatabase(target.url)];
    try {
      assert.deepEqual(await dump(copy), await dump(source));
    } finally {
      await Promise.all([copy.close(), source.close()]);
    }
  });

  void test('usage errors exit 2: a URL of another kind, the same registry twice, a missing option', async (t) => {
    if (!available(t)) return;
    const cli = { dataDir: data.dataDir };
    const mysql = await runCli(['migrate-registry', '--from', sqliteUrl, '--to', 'mysql://db/repogate', '--json'], cli);
    assert.equal(mysql.code, 2);
    assert.equal(cliShapes.error.parse(JSON.parse(mysql.stderr)).error.code, 'VALIDATION');
    assert.equal((await runCli(['migrate-registry', '--from', sqliteUrl, '--to', sqliteUrl], cli)).code, 2);
    assert.equal((await runCli(['migrate-registry', '--from', sqliteUrl], cli)).code, 2);
  });
});
