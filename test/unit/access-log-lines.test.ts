import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { AccessLogLines } from '../../src/composer/access-log-lines.js';
import type { AccessLine } from '../../src/http/request-context.js';
import { createLogger } from '../../src/logger.js';
import { waitForValue } from '../helpers/wait-for.js';

/**
 * The hot path's access-log lines are serialised by hand into byte batches and written to the
 * logger's file descriptor: they must read exactly as the lines pino writes for the same fields.
 */
void describe('access-log lines written in byte batches', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'repogate-access-log-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const line = (requestId: string, ms: number, extra: Partial<AccessLine> = {}): AccessLine => ({
    requestId,
    method: 'GET',
    path: '/p2/magento/module-catalog.json',
    status: 200,
    ms,
    address: '127.0.0.1',
    key: 'ci "nightly" — ünïcode',
    publicKey: '0123456789abcdef0123456789abcdef',
    package: 'magento/module-catalog',
    cache: 'hit',
    upstreamMs: 0,
    error: undefined,
    aborted: undefined,
    ...extra,
  });

  async function linesOf(file: string): Promise<Record<string, unknown>[]> {
    const text = await readFile(file, 'utf8');
    assert.ok(text.endsWith('\n'));
    return text
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  void test('each line reads as the line pino writes for the same fields, durations in tenths of a millisecond', async () => {
    const file = join(dir, 'lines.log');
    const logger = createLogger({ level: 'info', destination: pino.destination({ dest: file, sync: true }) });
    const lines = new AccessLogLines(logger);
    assert.ok(lines.direct);
    const durations = [0, 0.04, 0.05, 0.25, 3, 12.5, 999.96, 123_456.78];
    const middle = lines.middleOf('GET', '/p2/magento/module-catalog.json', 200);
    const tail = lines.tailOf(line('x', 0));
    // 150 lines: two full batches of 64 and one written by flush().
    for (let i = 0; i < 150; i++) lines.writeParts(`req-${i}`, middle, durations[i % durations.length]!, tail);
    lines.write(line('general', 2.25, { method: 'HEAD', status: 404, error: 'NOT_FOUND', cache: undefined, upstreamMs: undefined }));
    lines.flush();
    logger.info(line('by-pino', 3), 'request');

    const written = await linesOf(file);
    assert.equal(written.length, 152);
    const byPino = written.at(-1)!;
    const expectedKeys = Object.keys(byPino).filter((k) => k !== 'time');
    for (let i = 0; i < 150; i++) {
      const l = written[i]!;
      assert.deepEqual(Object.keys(l).filter((k) => k !== 'time'), expectedKeys, 'the same fields in the same order');
      assert.equal(l['requestId'], `req-${i}`);
      assert.equal(l['ms'], Math.round(durations[i % durations.length]! * 10) / 10);
      assert.equal(l['key'], 'ci "nightly" — ünïcode');
      assert.equal(typeof l['time'], 'number');
      assert.ok(Math.abs((l['time'] as number) - Date.now()) < 60_000);
      const { requestId: _a, ms: _b, time: _c, ...rest } = l;
      const { requestId: _d, ms: _e, time: _f, ...pinoRest } = byPino;
      assert.deepEqual(rest, pinoRest);
    }
    assert.deepEqual(
      { requestId: written[150]!['requestId'], method: written[150]!['method'], status: written[150]!['status'], ms: written[150]!['ms'], error: written[150]!['error'] },
      { requestId: 'general', method: 'HEAD', status: 404, ms: 2.3, error: 'NOT_FOUND' },
    );
  });

  void test('a line longer than a batch is written whole, and a lone line is written within the flush delay', async () => {
    const file = join(dir, 'long.log');
    const logger = createLogger({ level: 'info', destination: pino.destination({ dest: file, sync: true }) });
    const lines = new AccessLogLines(logger);
    const longKey = 'k'.repeat(100_000);
    lines.write(line('short-1', 1));
    lines.write(line('long', 1, { key: longKey }));
    lines.write(line('short-2', 1));
    // No flush: the last line goes out on the batch timer (20 ms), not on a call.
    const written = await waitForValue(
      async () => {
        const found = await linesOf(file);
        return found.length >= 3 ? found : undefined;
      },
      { what: 'the lone last line to be written by the batch timer', timeoutMs: 1000 },
    );
    assert.deepEqual(
      written.map((l) => l['requestId']),
      ['short-1', 'long', 'short-2'],
    );
    assert.equal(written[1]!['key'], longKey);
  });

  void test('nothing is written below the info level', async () => {
    const file = join(dir, 'quiet.log');
    const logger = createLogger({ level: 'warn', destination: pino.destination({ dest: file, sync: true }) });
    const lines = new AccessLogLines(logger);
    assert.equal(lines.direct, false);
    lines.write(line('quiet', 1));
    lines.flush();
    logger.warn('only this');
    const written = await linesOf(file);
    assert.deepEqual(
      written.map((l) => l['msg']),
      ['only this'],
    );
  });
});
