import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openRegistryDatabase } from '../../src/registry/database.js';
import type { RegistryDatabase } from '../../src/registry/database.js';
import { cliShapes, createDataDir, readAllFiles, runJson, runOk, type CliOptions } from '../helpers/cli.js';

/** Files under the data directory that contain `needle` (as UTF-8 text or as the bytes its hex encodes). */
async function filesContaining(dataDir: string, needle: string): Promise<string[]> {
  const forms = [Buffer.from(needle, 'utf8'), Buffer.from(needle, 'hex')];
  const found: string[] = [];
  for (const [path, bytes] of await readAllFiles(dataDir)) {
    if (forms.some((form) => bytes.includes(form))) found.push(path);
  }
  return found;
}

void describe('secrets never reach the data directory', () => {
  let options: CliOptions;
  let cleanup: () => Promise<void>;
  let held: RegistryDatabase;

  before(async () => {
    const dir = await createDataDir();
    options = { dataDir: dir.dataDir };
    cleanup = dir.cleanup;
    await runOk(['accounts', 'create', 'MAG500001', '--name', 'Secrets Test'], options);
    // A second connection, as a running server would hold: the CLI's writes then stay in the -wal file
    // instead of being checkpointed away when the CLI closes the database.
    held = await openRegistryDatabase(`sqlite:${options.dataDir}/registry.sqlite`);
  });
  after(async () => {
    await held.close();
    await cleanup();
  });

  void test('after keys create and regenerate, no file holds a private key; the public keys are there', async () => {
    const created = cliShapes.issuedKey.parse(await runJson(['keys', 'create', '--account', 'MAG500001', '--name', 'ci'], options));
    const regenerated = cliShapes.issuedKey.parse(await runJson(['keys', 'regenerate', created.publicKey], options));
    const files = await readAllFiles(options.dataDir);
    assert.ok([...files.keys()].some((path) => path.endsWith('-wal')), `a WAL file: ${[...files.keys()].join(', ')}`);
    assert.deepEqual(await filesContaining(options.dataDir, created.privateKey), []);
    assert.deepEqual(await filesContaining(options.dataDir, regenerated.privateKey), []);
    // The same search does find what is stored, so it can fail.
    assert.notDeepEqual(await filesContaining(options.dataDir, created.publicKey), []);
    assert.notDeepEqual(await filesContaining(options.dataDir, regenerated.publicKey), []);
  });

  void test('after tokens generate, no file holds the downloads token', async () => {
    const { token } = cliShapes.token.parse(await runJson(['tokens', 'generate', '--account', 'MAG500001'], options));
    assert.deepEqual(await filesContaining(options.dataDir, token), []);
    assert.notDeepEqual(await filesContaining(options.dataDir, 'MAG500001'), []);
  });
});
