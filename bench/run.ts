/**
 * `npm run bench`: every benchmark, each measured side by side with its reference in one run, printed
 * as a table (and as JSON with `--json`). Options: `--rounds N`, `--only NAME`.
 */
import { parseArgs } from 'node:util';
import { benchComposerInstall, median } from './composer-install.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    only: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const results: Record<string, unknown> = {};
  if (!values.only || values.only === 'install') {
    for (const layout of ['providers', 'composer2'] as const) {
      const latencyMs = 50;
      const bytesPerSecond = 4_000_000;
      console.error(`composer install, upstream layout ${layout}, ${latencyMs} ms latency, 4 MB/s per download, ${rounds} rounds…`);
      const figures = await benchComposerInstall({ layout, latencyMs, bytesPerSecond, rounds });
      results[`install-${layout}`] = figures;
      const direct = median(figures.direct);
      console.log(`\ncomposer install, ~200 packages, upstream layout ${layout} (median of ${rounds}; empty Composer cache each run)`);
      console.log('| run | time | vs straight to upstream |');
      console.log('|---|---|---|');
      console.log(`| straight to the upstream (reference) | ${seconds(direct)} | 1.00 |`);
      console.log(`| through repogate, cold cache | ${seconds(median(figures.cold))} | ${(median(figures.cold) / direct).toFixed(2)} |`);
      console.log(`| through repogate, warm metadata | ${seconds(median(figures.warm))} | ${(median(figures.warm) / direct).toFixed(2)} |`);
      console.log(`upstream metadata requests during the warm install: ${figures.upstreamRequestsWarm}`);
    }
  }
  if (values.json) console.log(JSON.stringify(results, null, 2));
}

void main();
