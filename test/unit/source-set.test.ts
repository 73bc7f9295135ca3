import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RepogateError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import type { Source, SourceSettings } from '../../src/sources/source.js';
import { SourceSet, type BrokenSource } from '../../src/sources/source-set.js';
import type { PackageSource } from '../../src/upstream/upstream-repository.js';
import { waitFor } from '../helpers/wait-for.js';

/** What a stub source holds: per package, its stable and dev files (a source with the package may lack one). */
type Catalogue = Record<string, { readonly stable?: PackageSource; readonly dev?: PackageSource }>;

interface StubSource extends Source {
  /** The packages `lookup` was asked for, in order. */
  readonly asked: string[];
  closed: number;
  /** Set: lookups fail with this error. */
  failure: RepogateError | undefined;
  /** What `peekLookup` knows; names missing here are not in memory (undefined). */
  readonly inMemory: Set<string>;
}

function pkg(name: string, dev: boolean, from: string): PackageSource {
  return { name, dev, revision: `${from}:${name}:${dev}`, lastModifiedMs: 0, outcome: 'hit', upstreamMs: 0, confirmedAt: 0, versions: () => [] } as PackageSource;
}

/** A source whose repository answers from `catalogue`; its client, mapping and archives are never used here. */
function stubSource(name: string, catalogue: Catalogue = {}): StubSource {
  const stub: StubSource = {
    name,
    asked: [],
    closed: 0,
    failure: undefined,
    inMemory: new Set(),
    client: undefined as unknown as Source['client'],
    mapping: undefined as unknown as Source['mapping'],
    archives: undefined as unknown as Source['archives'],
    repository: {
      lookup: (packageName: string, dev: boolean) => {
        stub.asked.push(packageName);
        if (stub.failure) return Promise.reject(stub.failure);
        const entry = catalogue[packageName];
        return Promise.resolve({ has: entry !== undefined, source: dev ? entry?.dev : entry?.stable });
      },
      peekLookup: (packageName: string, dev: boolean) => {
        if (!stub.inMemory.has(packageName)) return undefined;
        const entry = catalogue[packageName];
        return entry === undefined ? 'absent' : (dev ? entry.dev : entry.stable);
      },
    } as unknown as Source['repository'],
    close: () => {
      stub.closed++;
      return Promise.resolve();
    },
  };
  return stub;
}

function settings(name: string, updatedAt = '2026-01-01T00:00:00.000Z', url = `https://${name}.example.test`): SourceSettings {
  return { name, url, username: 'src-user', password: 'src-secret-password', githubToken: null, updatedAt };
}

function capturedLogger(): { logger: ReturnType<typeof createLogger>; lines: () => Array<{ level: number; msg: string; source?: string }> } {
  const raw: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void raw.push(line) } });
  return { logger, lines: () => raw.map((l) => JSON.parse(l) as { level: number; msg: string; source?: string }) };
}

/** A SourceSet whose registry holds `stored` (change it between refreshes) and whose builds are recorded. */
function sourceSet(stored: Array<SourceSettings | BrokenSource>, catalogues: Record<string, Catalogue> = {}, defaultSource = stubSource('default')) {
  const built: StubSource[] = [];
  const { logger, lines } = capturedLogger();
  let loads = 0;
  const set = new SourceSet(defaultSource, {
    load: () => {
      loads++;
      return Promise.resolve([...stored]);
    },
    build: (s) => {
      const source = stubSource(s.name, catalogues[s.name]);
      built.push(source);
      return source;
    },
    logger,
    retireAfterMs: 10,
  });
  return { set, built, lines, loads: () => loads, named: (name: string) => set.get(name) as StubSource | undefined };
}

void describe('SourceSet.resolve: an account reads a package from the first of its sources that has it', () => {
  const monolog = (from: string): Catalogue[string] => ({ stable: pkg('monolog/monolog', false, from), dev: pkg('monolog/monolog', true, from) });
  const catalogues: Record<string, Catalogue> = {
    packagist: { 'monolog/monolog': monolog('packagist') },
    mirror: { 'monolog/monolog': monolog('mirror'), 'acme/tool': { stable: pkg('acme/tool', false, 'mirror') } },
    private: { 'acme/tool': { stable: pkg('acme/tool', false, 'private'), dev: pkg('acme/tool', true, 'private') } },
  };
  const magento = stubSource('default', { 'magento/framework': { stable: pkg('magento/framework', false, 'default') } });

  async function loaded() {
    const s = sourceSet([settings('packagist'), settings('mirror'), settings('private')], catalogues, magento);
    await s.set.refresh();
    return s;
  }

  void test("the account's order decides between sources that have the package; later ones are not asked", async () => {
    const { set, named } = await loaded();
    const first = await set.resolve(['default', 'packagist', 'mirror'], 'monolog/monolog', false);
    assert.equal(first?.source.name, 'packagist');
    assert.equal(first?.pkg?.revision, 'packagist:monolog/monolog:false');
    assert.deepEqual(named('mirror')!.asked, []);

    const reversed = await set.resolve(['mirror', 'packagist'], 'monolog/monolog', true);
    assert.equal(reversed?.source.name, 'mirror');
    assert.equal(reversed?.pkg?.revision, 'mirror:monolog/monolog:true');
  });

  void test('sources that lack the package are skipped', async () => {
    const { set, named } = await loaded();
    const found = await set.resolve(['default', 'packagist', 'private'], 'acme/tool', false);
    assert.equal(found?.source.name, 'private');
    assert.deepEqual(named('packagist')!.asked, ['acme/tool']);
  });

  void test('a source that has the package but not the file asked for still wins: it is never read from a later source', async () => {
    const { set, named } = await loaded();
    const found = await set.resolve(['mirror', 'private'], 'acme/tool', true);
    assert.equal(found?.source.name, 'mirror');
    assert.equal(found?.pkg, undefined);
    assert.deepEqual(named('private')!.asked, []);
  });

  void test('no source has it: undefined, after asking each', async () => {
    const { set, named } = await loaded();
    assert.equal(await set.resolve(['packagist', 'mirror'], 'no/such-package', false), undefined);
    assert.deepEqual(named('packagist')!.asked, ['no/such-package']);
    assert.deepEqual(named('mirror')!.asked, ['no/such-package']);
  });

  void test('a source that fails fails the lookup: it might have the package, so a later one is not asked', async () => {
    const { set, named } = await loaded();
    named('packagist')!.failure = new RepogateError('UPSTREAM_UNAVAILABLE', 'the upstream repository did not answer');
    await assert.rejects(set.resolve(['packagist', 'mirror'], 'monolog/monolog', false), (error: unknown) => error instanceof RepogateError && error.code === 'UPSTREAM_UNAVAILABLE');
    assert.deepEqual(named('mirror')!.asked, []);
  });

  void test('a source name the set does not know fails the lookup, naming it', async () => {
    const { set, named } = await loaded();
    await assert.rejects(set.resolve(['gone', 'mirror'], 'monolog/monolog', false), (error: unknown) => {
      assert.ok(error instanceof RepogateError);
      assert.equal(error.code, 'UPSTREAM_UNAVAILABLE');
      assert.match(error.message, /source gone is not configured/);
      return true;
    });
    assert.deepEqual(named('mirror')!.asked, []);
  });
});

void describe('SourceSet.peekResolve: the same priority, from memory only', () => {
  const catalogues: Record<string, Catalogue> = {
    packagist: { 'monolog/monolog': { stable: pkg('monolog/monolog', false, 'packagist') } },
    mirror: { 'monolog/monolog': { stable: pkg('monolog/monolog', false, 'mirror') } },
  };

  void test('the first source in memory with the package answers when every earlier one surely lacks it', async () => {
    const { set, named } = sourceSet([settings('packagist'), settings('mirror')], catalogues);
    await set.refresh();
    set.default.repository.peekLookup = () => 'absent';
    named('packagist')!.inMemory.add('monolog/monolog');
    const found = set.peekResolve(['default', 'packagist', 'mirror'], 'monolog/monolog', false);
    assert.ok(found !== undefined && found !== 'absent');
    assert.equal(found.source.name, 'packagist');
  });

  void test('an earlier source that does not know yet leaves the answer to resolve', async () => {
    const { set, named } = sourceSet([settings('packagist'), settings('mirror')], catalogues);
    await set.refresh();
    named('mirror')!.inMemory.add('monolog/monolog');
    assert.equal(set.peekResolve(['packagist', 'mirror'], 'monolog/monolog', false), undefined);
  });

  void test("'absent' only when every source surely lacks it; an unknown source leaves it to resolve", async () => {
    const { set, named } = sourceSet([settings('packagist'), settings('mirror')], catalogues);
    await set.refresh();
    named('packagist')!.inMemory.add('no/such-package');
    named('mirror')!.inMemory.add('no/such-package');
    assert.equal(set.peekResolve(['packagist', 'mirror'], 'no/such-package', false), 'absent');
    assert.equal(set.peekResolve(['packagist', 'gone'], 'no/such-package', false), undefined);
  });
});

void describe('SourceSet.require: a source that cannot be read says why, without its secrets', () => {
  const broken: BrokenSource = {
    name: 'merchant-b',
    url: 'https://merchant-b.example.test',
    updatedAt: '2026-01-01T00:00:00.000Z',
    error: 'its secrets were sealed with another REPOGATE_SECRET_KEY',
  };

  void test('require and resolve name the source and the reason; no credential appears', async () => {
    const { set } = sourceSet([broken, settings('packagist')]);
    await set.refresh();
    assert.equal(set.get('merchant-b'), undefined);
    const attempts: Array<() => unknown> = [() => set.require('merchant-b'), () => set.resolve(['merchant-b', 'packagist'], 'acme/tool', false)];
    for (const attempt of attempts) {
      await assert.rejects(Promise.resolve().then(attempt), (error: unknown) => {
        assert.ok(error instanceof RepogateError);
        assert.equal(error.code, 'UPSTREAM_UNAVAILABLE');
        assert.match(error.message, /the source merchant-b cannot be read: its secrets were sealed with another REPOGATE_SECRET_KEY/);
        assert.doesNotMatch(error.message, /src-user|src-secret/);
        return true;
      });
    }
  });

  void test('the operator is told once per reason, not at every refresh', async () => {
    const stored: Array<SourceSettings | BrokenSource> = [broken];
    const { set, lines } = sourceSet(stored);
    await set.refresh();
    await set.refresh();
    const told = (): number => lines().filter((l) => l.level === 50 && l.msg.startsWith('SOURCE merchant-b CANNOT BE READ')).length;
    assert.equal(told(), 1);
    stored[0] = { ...broken, error: 'its password cannot be opened' };
    await set.refresh();
    assert.equal(told(), 2);
  });

  void test('a broken source that is repaired is usable again', async () => {
    const stored: Array<SourceSettings | BrokenSource> = [broken];
    const { set } = sourceSet(stored);
    await set.refresh();
    stored[0] = settings('merchant-b', '2026-01-02T00:00:00.000Z');
    await set.refresh();
    assert.equal(set.require('merchant-b').name, 'merchant-b');
  });
});

void describe('SourceSet.refresh: the registry changing under a running repogate', () => {
  void test('default is always there, first; sources are built from the registry', async () => {
    const { set, built } = sourceSet([settings('packagist'), settings('mirror')]);
    assert.deepEqual(set.all().map((s) => s.name), ['default']);
    await set.refresh();
    assert.deepEqual(set.all().map((s) => s.name), ['default', 'packagist', 'mirror']);
    assert.deepEqual(built.map((s) => s.name), ['packagist', 'mirror']);
    assert.equal(set.get('default'), set.default);
  });

  void test('an unchanged source is kept (the same object, not closed); a changed one is built anew and the old one closed later', async () => {
    const stored = [settings('packagist'), settings('mirror'), settings('private')];
    const { set, built, named } = sourceSet(stored);
    await set.refresh();
    const [packagist, mirror, priv] = [named('packagist')!, named('mirror')!, named('private')!];

    stored[1] = settings('mirror', '2026-02-01T00:00:00.000Z');
    stored[2] = settings('private', '2026-01-01T00:00:00.000Z', 'https://moved.example.test');
    await set.refresh();

    assert.equal(set.get('packagist'), packagist, 'unchanged: the same source');
    assert.notEqual(set.get('mirror'), mirror, 'updatedAt changed: rebuilt');
    assert.notEqual(set.get('private'), priv, 'url changed: rebuilt');
    assert.equal(built.length, 5);
    assert.equal(mirror.closed + priv.closed, 0, 'not closed at once: requests in flight may still use them');

    await waitFor(() => mirror.closed === 1 && priv.closed === 1, { what: 'the replaced sources to be closed' });
    assert.equal(packagist.closed, 0);
    assert.equal(named('mirror')!.closed, 0);
  });

  void test('a removed source is gone at once and closed after retireAfterMs', async () => {
    const stored = [settings('packagist'), settings('mirror')];
    const { set, named } = sourceSet(stored);
    await set.refresh();
    const mirror = named('mirror')!;
    stored.pop();
    await set.refresh();
    assert.equal(set.get('mirror'), undefined);
    assert.throws(() => set.require('mirror'), /source mirror is not configured/);
    assert.equal(mirror.closed, 0);
    await waitFor(() => mirror.closed === 1, { what: 'the removed source to be closed' });
  });

  void test('refresh calls made while one reads the registry fold into one more read, which sees the latest', async () => {
    const stored: SourceSettings[] = [settings('packagist')];
    let release: (() => void) | undefined;
    let loads = 0;
    const { logger } = capturedLogger();
    const set = new SourceSet(stubSource('default'), {
      load: async () => {
        loads++;
        const snapshot = [...stored];
        if (loads === 1) await new Promise<void>((resolve) => (release = resolve));
        return snapshot;
      },
      build: (s) => stubSource(s.name),
      logger,
      retireAfterMs: 10,
    });

    const first = set.refresh();
    await waitFor(() => release !== undefined, { what: 'the first registry read to start' });
    stored.push(settings('mirror'));
    const others = [set.refresh(), set.refresh(), set.refresh()];
    release!();
    await Promise.all([first, ...others]);
    assert.equal(loads, 2, 'one read, then one more for every call made meanwhile');
    assert.deepEqual(set.all().map((s) => s.name), ['default', 'packagist', 'mirror']);

    await set.refresh();
    assert.equal(loads, 3, 'a call after that reads again');
  });

  void test('a registry that cannot be read keeps the sources in use, and says so', async () => {
    let fail = false;
    const { logger, lines } = capturedLogger();
    const set = new SourceSet(stubSource('default'), {
      load: () => (fail ? Promise.reject(new Error('database is locked')) : Promise.resolve([settings('packagist')])),
      build: (s) => stubSource(s.name),
      logger,
    });
    await set.refresh();
    const packagist = set.get('packagist');
    fail = true;
    await set.refresh();
    assert.equal(set.get('packagist'), packagist);
    assert.ok(lines().some((l) => l.level === 50 && l.msg.includes('could not read the sources')));
  });

  void test('close closes every source, those retiring included', async () => {
    const stored = [settings('packagist'), settings('mirror')];
    const defaultSource = stubSource('default');
    const { set, named } = sourceSet(stored, {}, defaultSource);
    await set.refresh();
    const [packagist, mirror] = [named('packagist')!, named('mirror')!];
    stored.pop();
    await set.refresh();
    await set.close();
    assert.deepEqual([defaultSource.closed, packagist.closed, mirror.closed], [1, 1, 1]);
  });
});
