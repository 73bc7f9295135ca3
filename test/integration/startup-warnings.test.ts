import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';
import { createDataDir } from '../helpers/cli.js';
import { startMockUpstream } from '../helpers/mock-upstream/index.js';
import { startTestRepogate, type TestRepogate } from '../helpers/repogate.js';

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly code?: string;
  readonly variables?: readonly string[];
}

const warnings = (repogate: TestRepogate): LogLine[] =>
  repogate.logs.map((line) => JSON.parse(line) as LogLine).filter((line) => line.level === 40 && line.code !== undefined);

test('without upstream credentials repogate still starts, and warns naming the variables', async () => {
  const upstream = await startMockUpstream({ layout: 'composer2' });
  const repogate = await startTestRepogate({ upstreamUrl: upstream.url });
  try {
    assert.equal((await fetch(`${repogate.url}/healthz`)).status, 200);
    const missing = warnings(repogate).find((w) => w.code === 'UPSTREAM_CREDENTIALS_MISSING');
    assert.ok(missing, repogate.logs.join('\n'));
    assert.deepEqual(missing.variables, ['REPOGATE_UPSTREAM_USERNAME', 'REPOGATE_UPSTREAM_PASSWORD']);
    assert.match(missing.msg, /REPOGATE_UPSTREAM_USERNAME and REPOGATE_UPSTREAM_PASSWORD/);
  } finally {
    await repogate.stop();
    await upstream.close();
  }
});

test('with credentials there is no such warning; a new registry is named once, on the start that created it', async () => {
  const upstream = await startMockUpstream({ layout: 'composer2' });
  const data = await createDataDir();
  try {
    const first = await startTestRepogate({ upstream, dataDir: data.dataDir });
    await first.stop();
    const second = await startTestRepogate({ upstream, dataDir: data.dataDir });
    await second.stop();
    assert.deepEqual(warnings(first).map((w) => w.code), ['REGISTRY_CREATED']);
    assert.match(warnings(first)[0]!.msg, new RegExp(`created a new, empty registry at ${data.dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/registry\\.sqlite`));
    assert.deepEqual(warnings(second), [], 'the second start opens the registry the first made');
  } finally {
    await upstream.close();
    await rm(data.dataDir, { recursive: true, force: true });
  }
});
