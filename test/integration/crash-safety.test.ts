import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { AccessControl } from '../../src/access/access-control.js';
import { openRegistryDatabase } from '../../src/registry/database.js';
import { createRegistry } from '../../src/registry/registry.js';
import { repoRoot } from '../helpers/cli.js';
import { basic, testActor } from '../helpers/repogate.js';
import { waitFor } from '../helpers/wait-for.js';
import { sql } from 'kysely';

test('the registry survives kill -9 in the middle of writes: it opens, and every key reported as created works', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'repogate-crash-'));
  const file = join(dir, 'registry.sqlite');
  try {
    {
      const registry = createRegistry(await openRegistryDatabase(`sqlite:${file}`));
      await registry.entitlements.define('everything', ['*/*'], testActor);
      await registry.accounts.create({ id: 'MAG424242', name: 'Crash test' }, testActor);
      await registry.entitlements.grant('MAG424242', 'everything', null, testActor);
      await registry.close();
    }
    const reported: Array<{ publicKey: string; privateKey: string }> = [];
    for (let round = 0; round < 4; round++) {
      const child = spawn(process.execPath, [join(repoRoot, 'dist/test/helpers/key-writer.js'), file, 'MAG424242'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let buffer = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        buffer += chunk;
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) if (line) reported.push(JSON.parse(line) as { publicKey: string; privateKey: string });
      });
      const before = reported.length;
      await waitFor(() => reported.length >= before + 20 || child.exitCode !== null, { what: 'the writer to report 20 keys', timeoutMs: 30_000 });
      assert.equal(child.exitCode, null, 'the writer is still writing');
      // Deliberately a time, not a condition: the kill lands at a different point of the writes each round.
      await delay(50 + round * 37);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    assert.ok(reported.length >= 80, `reported ${reported.length} keys`);

    const database = await openRegistryDatabase(`sqlite:${file}`);
    const registry = createRegistry(database);
    try {
      const check = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(database.db);
      assert.equal(check.rows[0]?.integrity_check, 'ok');
      const access = new AccessControl(registry);
      for (const key of reported) {
        const result = await access.authenticate(basic(key.publicKey, key.privateKey), '127.0.0.1');
        assert.ok(result.ok, `key ${key.publicKey} reported as created does not work`);
      }
      const stored = await registry.keys.list('MAG424242');
      assert.ok(stored.length >= reported.length);
    } finally {
      await registry.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
