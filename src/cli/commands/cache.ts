import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { WarmProgress, WarmSummary, WarmTarget } from '../../archives/archive-warm.js';
import { sourceOfArchivePath } from '../../archives/dist-index.js';
import { invalid, RepogateError } from '../../errors.js';
import { parseRule } from '../../registry/rules.js';
import { formatTime, renderFields, renderTable } from '../output.js';
import { withSession, type Session } from '../session.js';

/** `repogate cache`: the archive cache and its pins — stats, drift, purge, warm. */
export function registerCacheCommands(program: Command): void {
  const cache = program.command('cache').description('inspect, purge and warm the archive cache');

  cache
    .command('stats')
    .description('what the archive cache holds: files, bytes, bound, pins and drifts, in all and per source')
    .option('--source <name>', 'only the pins and drifts of this source')
    .action((options: { source?: string }, command: Command) =>
      withSession(command, async (session) => {
        const { store, pins } = await openForInspection(session);
        const stored = new Set(store.list().map((a) => a.sha1));
        const all = (await pins.all()).filter((p) => options.source === undefined || sourceOfArchivePath(p.path) === options.source);
        const drifts = (await pins.drifts()).filter((d) => options.source === undefined || sourceOfArchivePath(d.path) === options.source);
        const stats = store.stats();
        const bySource = new Map<string, { source: string; pins: number; pinnedBytes: number; pinsWithoutBytes: number; drifts: number }>();
        const of = (path: string) => {
          const source = sourceOfArchivePath(path);
          let entry = bySource.get(source);
          if (entry === undefined) bySource.set(source, (entry = { source, pins: 0, pinnedBytes: 0, pinsWithoutBytes: 0, drifts: 0 }));
          return entry;
        };
        for (const pin of all) {
          const entry = of(pin.path);
          entry.pins++;
          entry.pinnedBytes += pin.size;
          if (!stored.has(pin.sha1)) entry.pinsWithoutBytes++;
        }
        for (const drift of drifts) of(drift.path).drifts++;
        const result = {
          directory: store.root,
          files: stats.files,
          bytes: stats.bytes,
          maxBytes: stats.maxBytes,
          pins: all.length,
          pinsWithoutBytes: all.filter((p) => !stored.has(p.sha1)).length,
          drifts: drifts.length,
          sources: [...bySource.values()].sort((a, b) => (a.source === 'default' ? -1 : b.source === 'default' ? 1 : a.source.localeCompare(b.source))),
        };
        session.output.result(result, () =>
          [
            renderFields([
              ['Directory', result.directory],
              ['Archives', `${result.files} (${formatBytes(result.bytes)} of ${result.maxBytes === 0 ? 'off' : formatBytes(result.maxBytes)})`],
              ['Pins', `${result.pins} (${result.pinsWithoutBytes} without their bytes on disk)`],
              ['Drifts', `${result.drifts}${result.drifts > 0 ? ' (see repogate cache drift)' : ''}`],
            ]),
            result.sources.length === 0
              ? ''
              : renderTable(
                  ['source', 'pins', 'pinned bytes', 'without bytes', 'drifts'],
                  result.sources.map((s) => [s.source, String(s.pins), formatBytes(s.pinnedBytes), String(s.pinsWithoutBytes), String(s.drifts)]),
                ),
          ]
            .filter((part) => part !== '')
            .join('\n'),
        );
      }),
    );

  cache
    .command('drift')
    .description('pinned archives the upstream republished with different bytes (repogate keeps serving the pinned ones)')
    .option('--source <name>', 'only the archives of this source')
    .action((options: { source?: string }, command: Command) =>
      withSession(command, async (session) => {
        const { pins } = await openForInspection(session);
        const drifts = (await pins.drifts())
          .map((d) => ({ ...d, source: sourceOfArchivePath(d.path) }))
          .filter((d) => options.source === undefined || d.source === options.source);
        session.output.result(drifts, () =>
          drifts.length === 0
            ? `No drift: ${options.source === undefined ? 'the upstream serves' : `the source ${options.source} serves`} the pinned bytes of every archive repogate has checked.`
            : renderTable(
                ['source', 'package', 'archive', 'pinned sha1', 'upstream sha1', 'seen', 'last seen'],
                drifts.map((d) => [d.source, d.packageName, d.path, d.sha1, d.upstreamSha1, String(d.count), formatTime(d.lastSeenAt)]),
              ),
        );
      }),
    );

  cache
    .command('purge')
    .description('remove cached archives (of the packages matching a pattern such as magento/*, or all)')
    .argument('[pattern]', 'package name or glob (vendor/name, vendor/*, vendor/module-*)')
    .option('--unpin', 'also forget the pins: the next download pins whatever the upstream serves then')
    .action((pattern: string | undefined, options: { unpin?: boolean }, command: Command) =>
      withSession(command, async (session) => {
        const rule = pattern === undefined ? undefined : parsePattern(pattern);
        const { store, pins } = await openForInspection(session);
        const all = await pins.all();
        const matching = rule ? all.filter((p) => rule.test(p.packageName)) : all;
        let sha1s: Set<string>;
        if (rule) {
          const keep = new Set(all.filter((p) => !rule.test(p.packageName)).map((p) => p.sha1));
          sha1s = new Set(matching.map((p) => p.sha1).filter((s) => !keep.has(s)));
        } else {
          sha1s = new Set(store.list().map((a) => a.sha1));
        }
        const sizes = new Map(store.list().map((a) => [a.sha1, a.size]));
        let files = 0;
        let bytes = 0;
        for (const sha1 of sha1s) {
          if (await store.delete(sha1)) {
            files++;
            bytes += sizes.get(sha1) ?? 0;
          }
        }
        const unpinned = options.unpin ? await pins.unpin(matching.map((p) => p.path)) : 0;
        const result = { pattern: pattern ?? null, files, bytes, unpinned };
        session.output.result(result, () =>
          [
            `Removed ${files} archive${files === 1 ? '' : 's'} (${formatBytes(bytes)})${pattern ? ` of packages matching ${pattern}` : ''}.`,
            options.unpin
              ? `Forgot ${unpinned} pin${unpinned === 1 ? '' : 's'}: those archives pin whatever the upstream serves next.`
              : 'Pins stay: a purged archive is downloaded again and served only if its bytes still match.',
          ].join('\n'),
        );
      }),
    );

  cache
    .command('warm')
    .description('download the archives of a composer.lock (or the latest of every package) into the cache')
    .argument('[lock]', 'path to a composer.lock')
    .option('--all-latest', 'the newest stable version of every package the upstream lists')
    .option('--concurrency <n>', 'downloads at a time', parseConcurrency, 6)
    .action((lock: string | undefined, options: { allLatest?: boolean; concurrency: number }, command: Command) =>
      withSession(command, async (session) => {
        if ((lock === undefined) === !options.allLatest) {
          throw new RepogateError('USAGE', 'give either a composer.lock path or --all-latest');
        }
        const lockText = lock === undefined ? undefined : await readLock(lock);
        const summary = await warm(session, lockText, options.concurrency);
        session.output.result(summary, () => describeSummary(summary));
        if (summary.failed.length > 0) {
          throw new RepogateError('UPSTREAM_UNAVAILABLE', `${summary.failed.length} archive(s) could not be fetched (first: ${summary.failed[0]!.path}: ${summary.failed[0]!.message})`);
        }
      }),
    );
}

async function openForInspection(session: Session) {
  const [{ ArchiveStore }, { PinStore }, { archiveDir }] = await Promise.all([
    import('../../archives/archive-store.js'),
    import('../../archives/pin-store.js'),
    import('../../archives/open-archive-cache.js'),
  ]);
  const store = new ArchiveStore(archiveDir(session.config.dataDir), session.config.archiveCacheBytes);
  await store.open({ inspect: true });
  return { store, pins: new PinStore(session.registry.context.db) };
}

async function warm(session: Session, lockText: string | undefined, concurrency: number): Promise<WarmSummary & { skipped: number }> {
  const { config, registry, output } = session;
  const [{ createLogger }, { UpstreamClient }, { DocumentCache }, { MemoryTier }, { UpstreamRepository }, { UrlRewriter }, warming, opening, upstreamView] =
    await Promise.all([
      import('../../logger.js'),
      import('../../upstream/upstream-client.js'),
      import('../../cache/document-cache.js'),
      import('../../cache/memory-tier.js'),
      import('../../upstream/upstream-repository.js'),
      import('../../upstream/url-rewriter.js'),
      import('../../archives/archive-warm.js'),
      import('../../archives/open-archive-cache.js'),
      import('../../archives/archive-upstream.js'),
    ]);
  const logger = createLogger({ level: 'warn', destination: process.stderr });
  const upstream = new UpstreamClient(config.upstream, logger);
  const cache = new DocumentCache(
    upstream,
    new MemoryTier(config.memoryCacheBytes),
    undefined,
    { profile: 'default', ttlMs: config.metadataTtlMs, staleMs: config.staleMs, negativeTtlMs: config.negativeTtlMs },
    logger,
  );
  const repository = new UpstreamRepository(cache, upstream, logger);
  const rewriter = new UrlRewriter(upstream);
  const { archives } = await opening.openArchiveCache({
    dataDir: config.dataDir,
    maxBytes: config.archiveCacheBytes,
    db: registry.context.db,
    upstream: upstreamView.createArchiveUpstream(upstream, upstreamView.defaultArchiveUrls(rewriter), repository),
    logger,
    pinPollMs: 0,
  });
  try {
    let targets: WarmTarget[];
    let skipped = 0;
    if (lockText === undefined) {
      targets = await warming.latestTargets(repository, rewriter);
    } else {
      ({ targets, skipped } = warming.targetsFromLock(lockText, rewriter, config.publicUrl));
    }
    const progress = output.json ? undefined : progressBar();
    const summary = await warming.warmArchives(archives, repository, targets, { concurrency, onProgress: progress?.update });
    progress?.finish();
    return { ...summary, skipped };
  } finally {
    await upstream.close();
  }
}

function describeSummary(summary: WarmSummary & { skipped: number }): string {
  const lines = [
    `Warmed ${summary.archives} archive${summary.archives === 1 ? '' : 's'} in ${summary.seconds.toFixed(1)} s: ${summary.downloaded} downloaded, ${summary.cached} already cached, ${summary.failed.length} failed (${formatBytes(summary.bytes)}).`,
  ];
  if (summary.skipped > 0) lines.push(`Skipped ${summary.skipped} dist URL(s) that repogate does not serve (other hosts).`);
  for (const failure of summary.failed.slice(0, 20)) lines.push(`  failed: ${failure.path} (${failure.code}): ${failure.message}`);
  return lines.join('\n');
}

/** A one-line progress bar on stderr (redrawn on a terminal, every tenth otherwise). */
function progressBar(): { update: (p: WarmProgress) => void; finish: () => void } {
  const tty = process.stderr.isTTY === true;
  let lastDraw = 0;
  let lastTenth = -1;
  let drawn = false;
  const line = (p: WarmProgress): string => {
    const width = 30;
    const filled = p.total === 0 ? width : Math.round((p.done / p.total) * width);
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} archives, ${formatBytes(p.bytes)}${p.failed ? `, ${p.failed} failed` : ''}`;
  };
  return {
    update(p) {
      if (tty) {
        const now = Date.now();
        if (now - lastDraw < 100 && p.done < p.total) return;
        lastDraw = now;
        process.stderr.write(`\r${line(p)}`);
        drawn = true;
        return;
      }
      const tenth = p.total === 0 ? 10 : Math.floor((p.done / p.total) * 10);
      if (tenth !== lastTenth) {
        lastTenth = tenth;
        process.stderr.write(`${line(p)}\n`);
      }
    },
    finish() {
      if (tty && drawn) process.stderr.write('\n');
    },
  };
}

async function readLock(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new RepogateError('NOT_FOUND', `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function parsePattern(pattern: string): RegExp {
  const rule = parseRule(pattern);
  if (rule.negated) throw invalid(`"${pattern}": a purge pattern names packages to remove; it cannot start with !`);
  return rule.pattern;
}

function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw invalid(`--concurrency must be a whole number from 1 to 64 (got "${value}")`);
  return n;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
