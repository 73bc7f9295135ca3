/**
 * Runs a mock upstream until SIGTERM/SIGINT:
 *
 *   node dist/test/helpers/mock-upstream/cli.js --layout providers --port 0 [--latency-ms 50] [--bytes-per-second 4000000]
 *     [--username <32 hex>] [--password <32 hex>]
 *
 * Prints one JSON line `{"url":…,"username":…,"password":…,"layout":…}` on stdout once listening.
 */
import { parseArgs } from 'node:util';
import { startMockUpstream } from './server.js';
import type { MockUpstreamOptions, UpstreamLayout } from './server.js';

const LAYOUTS: readonly UpstreamLayout[] = ['composer2', 'providers', 'inline'];

function isLayout(value: string): value is UpstreamLayout {
  return LAYOUTS.some((l) => l === value);
}

function numberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got "${value}"`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      layout: { type: 'string', default: 'composer2' },
      port: { type: 'string', default: '0' },
      'latency-ms': { type: 'string' },
      'bytes-per-second': { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
    },
    strict: true,
  });
  const layout = values.layout;
  if (!isLayout(layout)) throw new Error(`--layout must be one of ${LAYOUTS.join(', ')}, got "${layout}"`);
  const options: MockUpstreamOptions = { layout, port: numberOption('port', values.port) ?? 0 };
  const latency = numberOption('latency-ms', values['latency-ms']);
  if (latency !== undefined) options.latencyMs = latency;
  const bandwidth = numberOption('bytes-per-second', values['bytes-per-second']);
  if (bandwidth !== undefined && bandwidth > 0) options.bytesPerSecond = bandwidth;
  if (values.username !== undefined) options.username = values.username;
  if (values.password !== undefined) options.password = values.password;

  const upstream = await startMockUpstream(options);
  process.stdout.write(
    `${JSON.stringify({ url: upstream.url, username: upstream.username, password: upstream.password, layout: upstream.layout })}\n`,
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    upstream.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`mock-upstream: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
