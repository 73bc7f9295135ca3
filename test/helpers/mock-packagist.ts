/**
 * A fake packagist.org and the GitHub hosts its archives come from, for tests of repogate in front
 * of a public repository: three `node:http` servers on 127.0.0.1.
 *
 * - `repo` is shaped like repo.packagist.org: no auth, a root without `available-packages` (so
 *   Composer asks for every name and gets 404 for the ones it does not have), minified `composer/2.0`
 *   p2 files, a security-advisories API, search and list.
 * - `github` is shaped like api.github.com: each dist URL is a zipball URL on it, answered with a 302
 *   to `codeload`.
 * - `codeload` is shaped like codeload.github.com: it serves the zip (one top-level folder, as
 *   GitHub's are).
 *
 * Every request to any of them is recorded with its Authorization header, so a test can show that no
 * credentials reached a host they were not meant for.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { buildArchive } from './mock-upstream/archives.js';
import type { VersionSpec } from './mock-upstream/catalog.js';
import { acceptsGzip, decodePath } from './mock-upstream/http-util.js';
import { minifyVersions, phpJsonEncode } from './mock-upstream/php-json.js';
import type { JsonObject, JsonValue } from './mock-upstream/php-json.js';
import { compareVersions, normalizeVersion, stabilityOf } from './mock-upstream/versions.js';

/** Which of the three servers a request reached. */
export type PackagistServer = 'repo' | 'github' | 'codeload';

/** One request any of the three servers received. */
export interface PackagistRequest {
  readonly server: PackagistServer;
  readonly method: string;
  /** Percent-decoded path without query string. */
  readonly path: string;
  /** The query string without `?` (empty when none). */
  readonly query: string;
  /** The Authorization header exactly as received. */
  readonly authorization?: string;
  /** When the request arrived (ms since the epoch). */
  readonly at: number;
  /** Status sent; 0 while unanswered. */
  status: number;
}

/** One version of one package, as a test describes it. */
export interface PackagistVersionSpec {
  readonly name: string;
  /** As tagged: `2.9.1`, `v1.28.0`, or a branch such as `dev-main`. */
  readonly version: string;
  /** ISO-8601 release time, `2023-02-06T13:44:46+00:00` style. */
  readonly time: string;
  readonly require: Readonly<Record<string, string>>;
  readonly description?: string;
  /** `library` when omitted. */
  readonly type?: 'library' | 'metapackage';
  readonly license?: readonly string[];
  readonly provide?: Readonly<Record<string, string>>;
  readonly suggest?: Readonly<Record<string, string>>;
  readonly autoload?: JsonObject;
  readonly extra?: JsonObject;
}

/** A security advisory, with the fields packagist's API returns for each. */
export interface PackagistAdvisory {
  readonly advisoryId: string;
  readonly packageName: string;
  readonly remoteId: string;
  readonly title: string;
  readonly link: string;
  readonly cve: string | null;
  /** A Composer constraint: `>=2.0.0,<2.9.2`. */
  readonly affectedVersions: string;
  readonly source: string;
  /** `2023-10-27 15:25:26`, as packagist writes it (UTC). */
  readonly reportedAt: string;
  readonly composerRepository: string;
  readonly severity: string | null;
  readonly sources: readonly { readonly name: string; readonly remoteId: string }[];
}

/** Options for {@link startMockPackagist}. */
export interface MockPackagistOptions {
  /** The versions to serve instead of {@link defaultPackagistPackages}. */
  packages?: readonly PackagistVersionSpec[];
  /** Versions served on top of `packages` (or of the default set). */
  extraPackages?: readonly PackagistVersionSpec[];
  /** The advisories to serve instead of {@link defaultPackagistAdvisories}. */
  advisories?: readonly PackagistAdvisory[];
}

/** A version as served, with what a test needs to check a download. */
export interface PackagistPackage {
  readonly name: string;
  readonly version: string;
  /** The commit the version's tag points at (40 hex); the zipball URL and `dist.reference` name it. */
  readonly reference: string;
  /** sha1 (hex) of the zip the codeload host serves (packagist publishes an empty shasum). */
  readonly sha1: string;
}

/** The three running servers. */
export interface MockPackagist {
  /** The repository, `http://127.0.0.1:PORT` (no auth required). */
  readonly url: string;
  /** The api.github.com-like archive host every dist URL points at. */
  readonly githubUrl: string;
  /** The codeload.github.com-like host the archive host redirects to. */
  readonly codeloadUrl: string;
  /** Every request to any of the three servers, in arrival order. */
  readonly requests: PackagistRequest[];
  /** Every version served, sorted by name then newest first. */
  readonly packages: readonly PackagistPackage[];
  /** The advisories the API serves. */
  readonly advisories: readonly PackagistAdvisory[];
  /** The dist (zipball) URL of a version. */
  distUrl(name: string, version: string): string;
  /** Forgets the recorded requests (the array is emptied in place). */
  resetRequests(): void;
  /** `true`: all three servers stop listening (connection refused); `false`: they listen again on the same ports. */
  setDown(down: boolean): Promise<void>;
  close(): Promise<void>;
}

const MIT = ['MIT'] as const;

/**
 * A small part of what a Magento install takes from packagist.org, with the real dependency
 * relations between them. Each requires only `php` platform-wise, which PHP 8.2 satisfies.
 */
export function defaultPackagistPackages(): PackagistVersionSpec[] {
  const psrLog = (version: string, time: string, php: string, dir: string): PackagistVersionSpec => ({
    name: 'psr/log', version, time, description: 'Common interface for logging libraries', license: MIT,
    require: { php }, autoload: { 'psr-4': { 'Psr\\Log\\': dir } },
  });
  const monolog2 = (version: string, time: string): PackagistVersionSpec => ({
    name: 'monolog/monolog', version, time, description: 'Sends your logs to files, sockets, inboxes, databases and various web services',
    license: MIT, require: { php: '>=7.2', 'psr/log': '^1.0.1 || ^2.0 || ^3.0' },
    provide: { 'psr/log-implementation': '1.0.0 || 2.0.0 || 3.0.0' },
    suggest: { 'ext-mbstring': 'Allow to work properly with unicode symbols' },
    autoload: { 'psr-4': { 'Monolog\\': 'src/Monolog' } }, extra: { 'branch-alias': { 'dev-main': '2.x-dev' } },
  });
  const monolog3 = (version: string, time: string): PackagistVersionSpec => ({
    name: 'monolog/monolog', version, time, description: 'Sends your logs to files, sockets, inboxes, databases and various web services',
    license: MIT, require: { php: '>=8.1', 'psr/log': '^2.0 || ^3.0' }, provide: { 'psr/log-implementation': '3.0.0' },
    suggest: { 'ext-mbstring': 'Allow to work properly with unicode symbols' },
    autoload: { 'psr-4': { 'Monolog\\': 'src/Monolog' } }, extra: { 'branch-alias': { 'dev-main': '3.x-dev' } },
  });
  const mbstring = (version: string, time: string): PackagistVersionSpec => ({
    name: 'symfony/polyfill-mbstring', version, time, description: 'Symfony polyfill for the Mbstring extension',
    license: MIT, require: { php: '>=7.1' }, provide: { 'ext-mbstring': '*' }, suggest: { 'ext-mbstring': 'For best performance' },
    autoload: { files: ['bootstrap.php'], 'psr-4': { 'Symfony\\Polyfill\\Mbstring\\': '' } },
    extra: { thanks: { name: 'symfony/polyfill', url: 'https://github.com/symfony/polyfill' } },
  });
  const stdlib = (version: string, time: string): PackagistVersionSpec => ({
    name: 'laminas/laminas-stdlib', version, time, description: 'SPL extensions, array utilities, error handlers, and more',
    license: ['BSD-3-Clause'], require: { php: '~8.1.0 || ~8.2.0 || ~8.3.0' },
    autoload: { 'psr-4': { 'Laminas\\Stdlib\\': 'src/' } },
  });
  return [
    psrLog('1.1.4', '2021-05-03T11:20:27+00:00', '>=5.3.0', 'Psr/Log/'),
    psrLog('2.0.0', '2021-07-14T16:41:46+00:00', '>=8.0.0', 'src'),
    psrLog('3.0.0', '2021-07-14T16:46:02+00:00', '>=8.0.0', 'src'),
    monolog2('2.9.1', '2023-02-06T13:44:46+00:00'),
    monolog2('2.9.2', '2023-10-27T15:25:26+00:00'),
    monolog3('3.5.0', '2023-10-27T15:32:31+00:00'),
    monolog3('dev-main', '2024-01-17T08:10:44+00:00'),
    mbstring('v1.28.0', '2023-07-28T09:04:16+00:00'),
    mbstring('v1.29.0', '2024-01-29T20:11:03+00:00'),
    stdlib('3.18.0', '2023-09-19T10:15:21+00:00'),
    stdlib('3.19.0', '2024-01-19T12:39:49+00:00'),
  ];
}

/**
 * One advisory, for `monolog/monolog` `>=2.0.0,<2.9.2` (so 2.9.1 is affected and 2.9.2 fixes it).
 * Invented for the tests; `composerRepository` names the mock.
 */
export function defaultPackagistAdvisories(repositoryUrl: string): PackagistAdvisory[] {
  return [
    {
      advisoryId: 'PKSA-mock-9x2r-4h7q',
      packageName: 'monolog/monolog',
      remoteId: 'GHSA-mock-q2v7-9x4r',
      title: 'Header injection in NativeMailerHandler through unfiltered log context',
      link: 'https://github.com/advisories/GHSA-mock-q2v7-9x4r',
      cve: 'CVE-2099-0001',
      affectedVersions: '>=2.0.0,<2.9.2',
      source: 'GitHub',
      reportedAt: '2023-10-27 15:25:26',
      composerRepository: repositoryUrl,
      severity: 'medium',
      sources: [{ name: 'GitHub', remoteId: 'GHSA-mock-q2v7-9x4r' }],
    },
  ];
}

interface ServedVersion {
  readonly spec: PackagistVersionSpec;
  readonly versionNormalized: string;
  readonly dev: boolean;
  readonly reference: string;
  readonly archive: Uint8Array | undefined;
  readonly sha1: string;
}

interface Document {
  readonly body: Buffer;
  readonly lastModified: number;
}

/** One of the three servers: stops and starts listening on the same port, drops its sockets when it stops. */
class Listener {
  private readonly sockets = new Set<Socket>();
  private listening = false;

  constructor(
    readonly server: Server,
    public port: number,
  ) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.listening) return;
    this.port = await listen(this.server, this.port);
    this.listening = true;
  }

  stop(): Promise<void> {
    if (!this.listening) return Promise.resolve();
    this.listening = false;
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen({ port, host: '127.0.0.1' }, () => {
      server.off('error', onError);
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('mock packagist: no TCP address'));
      else resolve(address.port);
    });
  });
}

/** The whole-second time packagist's documents carry in Last-Modified. */
function seconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000) * 1000;
}

/** A deterministic 40-hex commit id for a tag, standing in for the real one. */
function referenceOf(name: string, version: string): string {
  return createHash('sha1').update(`commit ${name}@${version}`).digest('hex');
}

/** The names a security-advisories request asks for: `packages[]=a`, `packages[0]=a` (http_build_query), `packages=a`. */
function askedPackages(params: URLSearchParams): string[] {
  const names: string[] = [];
  for (const [key, value] of params) {
    if (/^packages(\[\d*\])?$/.test(key) && value !== '') names.push(value.toLowerCase());
  }
  return names;
}

class MockPackagistServers implements MockPackagist {
  readonly requests: PackagistRequest[] = [];
  readonly packages: PackagistPackage[];
  private readonly byName = new Map<string, ServedVersion[]>();
  private readonly byReference = new Map<string, ServedVersion>();

  constructor(
    private readonly repo: Listener,
    private readonly github: Listener,
    private readonly codeload: Listener,
    specs: readonly PackagistVersionSpec[],
    readonly advisories: readonly PackagistAdvisory[],
  ) {
    for (const spec of specs) this.insert(spec);
    for (const versions of this.byName.values()) versions.sort((x, y) => compareVersions(y.versionNormalized, x.versionNormalized));
    this.packages = [...this.byName.keys()]
      .sort()
      .flatMap((name) => (this.byName.get(name) ?? []).map((v) => ({ name, version: v.spec.version, reference: v.reference, sha1: v.sha1 })));
    repo.server.on('request', (req: IncomingMessage, res: ServerResponse) => this.receive('repo', req, res));
    github.server.on('request', (req: IncomingMessage, res: ServerResponse) => this.receive('github', req, res));
    codeload.server.on('request', (req: IncomingMessage, res: ServerResponse) => this.receive('codeload', req, res));
  }

  get url(): string {
    return this.repo.url;
  }

  get githubUrl(): string {
    return this.github.url;
  }

  get codeloadUrl(): string {
    return this.codeload.url;
  }

  distUrl(name: string, version: string): string {
    const found = this.byName.get(name)?.find((v) => v.spec.version === version || v.versionNormalized === version);
    if (!found) throw new Error(`mock packagist: no ${name} ${version}`);
    return `${this.githubUrl}/repos/${name}/zipball/${found.reference}`;
  }

  resetRequests(): void {
    this.requests.length = 0;
  }

  async setDown(down: boolean): Promise<void> {
    const listeners = [this.repo, this.github, this.codeload];
    await Promise.all(listeners.map((l) => (down ? l.stop() : l.start())));
  }

  close(): Promise<void> {
    return this.setDown(true);
  }

  private insert(spec: PackagistVersionSpec): void {
    const versionNormalized = normalizeVersion(spec.version);
    if (this.byName.get(spec.name)?.some((v) => v.versionNormalized === versionNormalized)) {
      throw new Error(`mock packagist: ${spec.name} ${spec.version} is listed twice`);
    }
    const reference = referenceOf(spec.name, spec.version);
    const type = spec.type ?? 'library';
    let archive: Uint8Array | undefined;
    if (type !== 'metapackage') {
      const asArchived: VersionSpec = {
        name: spec.name, version: spec.version, type, description: spec.description ?? '', license: spec.license ?? [],
        require: spec.require, time: spec.time, dist: true, payloadBytes: 0,
        ...(spec.autoload ? { autoload: spec.autoload } : {}), ...(spec.extra ? { extra: spec.extra } : {}),
      };
      archive = buildArchive(asArchived, 0, undefined, { rootDirectory: `${spec.name.replace('/', '-')}-${reference.slice(0, 7)}` });
    }
    const served: ServedVersion = {
      spec,
      versionNormalized,
      dev: stabilityOf(versionNormalized) === 'dev',
      reference,
      archive,
      sha1: archive ? createHash('sha1').update(archive).digest('hex') : '',
    };
    const list = this.byName.get(spec.name) ?? [];
    list.push(served);
    this.byName.set(spec.name, list);
    this.byReference.set(`${spec.name}@${reference}`, served);
  }

  /** A version's entry in the order packagist writes its fields. */
  private entry(v: ServedVersion): JsonObject {
    const s = v.spec;
    const entry: JsonObject = { name: s.name, description: s.description ?? '', version: s.version, version_normalized: v.versionNormalized };
    entry.license = [...(s.license ?? [])];
    if (v.archive) {
      entry.source = { url: `${this.githubUrl}/${s.name}.git`, type: 'git', reference: v.reference };
      entry.dist = { url: this.distUrl(s.name, s.version), type: 'zip', shasum: '', reference: v.reference };
    }
    entry.type = s.type ?? 'library';
    entry.time = s.time;
    if (s.autoload) entry.autoload = s.autoload;
    if (s.extra) entry.extra = s.extra;
    entry.require = { ...s.require };
    if (s.suggest) entry.suggest = { ...s.suggest };
    if (s.provide) entry.provide = { ...s.provide };
    return entry;
  }

  /** `/p2/<name>.json` (tagged versions) or `/p2/<name>~dev.json` (branches); undefined → 404. */
  private metadata(path: string): Document | undefined {
    const m = /^\/p2\/([a-z0-9_.-]+\/[a-z0-9_.-]+?)(~dev)?\.json$/.exec(path);
    if (!m || m[1] === undefined) return undefined;
    const name = m[1];
    const all = this.byName.get(name);
    if (!all) return undefined;
    const dev = m[2] !== undefined;
    const versions = all.filter((v) => v.dev === dev);
    const doc: JsonObject = { packages: { [name]: minifyVersions(versions.map((v) => this.entry(v))) } };
    // packagist lists a package's advisories (id and range only) in its metadata, for Composer's
    // check of what it is about to install; `composer audit` asks the API for the full ones.
    const advisories = this.advisories.filter((a) => a.packageName === name);
    if (advisories.length > 0) doc['security-advisories'] = advisories.map((a) => ({ advisoryId: a.advisoryId, affectedVersions: a.affectedVersions }));
    doc.minified = 'composer/2.0';
    const lastModified = Math.max(0, ...(versions.length > 0 ? versions : all).map((v) => seconds(v.spec.time)));
    return { body: Buffer.from(phpJsonEncode(doc)), lastModified };
  }

  private root(): JsonObject {
    const base = this.url;
    return {
      packages: [],
      'notify-batch': `${base}/downloads/`,
      'metadata-url': '/p2/%package%.json',
      search: `${base}/search.json?q=%query%&type=%type%`,
      list: `${base}/packages/list.json`,
      'providers-api': `${base}/providers/%package%.json`,
      'security-advisories': { metadata: true, 'api-url': `${base}/api/security-advisories/` },
    };
  }

  private advisoriesFor(names: readonly string[]): JsonObject {
    const out: JsonObject = {};
    for (const name of names) {
      if (!this.byName.has(name)) continue;
      out[name] = this.advisories.filter((a) => a.packageName === name).map((a) => ({ ...a, sources: a.sources.map((s) => ({ ...s })) }));
    }
    return { advisories: out };
  }

  private search(params: URLSearchParams): JsonObject {
    const q = (params.get('q') ?? '').toLowerCase();
    const type = params.get('type') ?? '';
    const results: JsonValue[] = [];
    for (const [name, versions] of [...this.byName].sort(([x], [y]) => (x < y ? -1 : 1))) {
      const newest = versions.find((v) => !v.dev) ?? versions[0];
      if (!newest) continue;
      const description = newest.spec.description ?? '';
      if (q !== '' && !name.includes(q) && !description.toLowerCase().includes(q)) continue;
      if (type !== '' && (newest.spec.type ?? 'library') !== type) continue;
      results.push({ name, description, url: `${this.url}/packages/${name}`, repository: `${this.githubUrl}/${name}`, downloads: 0, favers: 0 });
    }
    return { results, total: results.length };
  }

  private list(params: URLSearchParams): JsonObject {
    const vendor = params.get('vendor');
    const type = params.get('type');
    const packageNames = [...this.byName]
      .filter(([name, versions]) => (vendor === null || name.startsWith(`${vendor}/`)) && (type === null || versions.some((v) => (v.spec.type ?? 'library') === type)))
      .map(([name]) => name)
      .sort();
    return { packageNames };
  }

  private providers(virtual: string): JsonObject {
    const providers: JsonValue[] = [];
    for (const [name, versions] of [...this.byName].sort(([x], [y]) => (x < y ? -1 : 1))) {
      if (!versions.some((v) => v.spec.provide?.[virtual] !== undefined)) continue;
      const description = versions[0]?.spec.description ?? '';
      providers.push({ name, description, type: 'library', repository: `${this.githubUrl}/${name}`, downloads: 0, favers: 0 });
    }
    return { providers };
  }

  private receive(server: PackagistServer, req: IncomingMessage, res: ServerResponse): void {
    const target = req.url ?? '/';
    const query = target.includes('?') ? target.slice(target.indexOf('?') + 1) : '';
    const authorization = req.headers.authorization;
    const record: PackagistRequest = {
      server,
      method: req.method ?? 'GET',
      path: decodePath(target),
      query,
      ...(authorization !== undefined ? { authorization } : {}),
      at: Date.now(),
      status: 0,
    };
    this.requests.push(record);
    res.on('error', () => undefined);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => undefined);
    req.on('end', () => {
      try {
        const body = Buffer.concat(chunks).toString('utf8');
        if (server === 'repo') this.answerRepo(req, res, record, body);
        else if (server === 'github') this.answerGithub(res, record);
        else this.answerCodeload(res, record);
      } catch {
        if (!res.destroyed) res.destroy();
      }
    });
  }

  private answerRepo(req: IncomingMessage, res: ServerResponse, record: PackagistRequest, body: string): void {
    const { method, path } = record;
    const params = new URLSearchParams(record.query);
    if (path === '/api/security-advisories/' && (method === 'GET' || method === 'POST')) {
      const asked = method === 'POST' ? [...askedPackages(params), ...askedPackages(new URLSearchParams(body))] : askedPackages(params);
      this.sendJson(req, res, record, 200, this.advisoriesFor(asked));
      return;
    }
    if (path === '/downloads/' && method === 'POST') {
      this.sendJson(req, res, record, 200, { status: 'success' });
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      this.sendJson(req, res, record, 405, { status: 'error', message: 'Method Not Allowed' }, { Allow: 'GET, HEAD' });
      return;
    }
    if (path === '/packages.json') {
      this.sendDocument(req, res, record, { body: Buffer.from(phpJsonEncode(this.root())), lastModified: this.newest() });
      return;
    }
    if (path.startsWith('/p2/')) {
      const doc = this.metadata(path);
      if (doc) this.sendDocument(req, res, record, doc);
      else this.sendHtml(res, record, 404, '<html><body><h1>404 Not Found</h1></body></html>');
      return;
    }
    if (path === '/search.json') {
      this.sendJson(req, res, record, 200, this.search(params));
      return;
    }
    if (path === '/packages/list.json') {
      this.sendJson(req, res, record, 200, this.list(params));
      return;
    }
    const provider = /^\/providers\/([^/]+\/[^/]+)\.json$/.exec(path);
    if (provider?.[1] !== undefined) {
      this.sendJson(req, res, record, 200, this.providers(provider[1]));
      return;
    }
    this.sendJson(req, res, record, 404, { status: 'error', message: 'Not Found' });
  }

  /** `GET /repos/<vendor>/<name>/zipball/<ref>` → 302 to the codeload host, as api.github.com answers. */
  private answerGithub(res: ServerResponse, record: PackagistRequest): void {
    const m = /^\/repos\/([^/]+\/[^/]+)\/zipball\/([0-9a-f]{40})$/.exec(record.path);
    if (record.method === 'GET' && m?.[1] !== undefined && m[2] !== undefined && this.byReference.has(`${m[1]}@${m[2]}`)) {
      record.status = 302;
      res.writeHead(302, { Location: `${this.codeloadUrl}/legacy.zip/${m[1]}/${m[2]}`, 'Content-Length': 0 });
      res.end();
      return;
    }
    const body = Buffer.from(JSON.stringify({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' }));
    record.status = 404;
    res.writeHead(404, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length });
    res.end(body);
  }

  /** `GET /legacy.zip/<vendor>/<name>/<ref>`: the zip. */
  private answerCodeload(res: ServerResponse, record: PackagistRequest): void {
    const m = /^\/legacy\.zip\/([^/]+\/[^/]+)\/([0-9a-f]{40})$/.exec(record.path);
    const version = m?.[1] !== undefined && m[2] !== undefined ? this.byReference.get(`${m[1]}@${m[2]}`) : undefined;
    if (record.method === 'GET' && version?.archive) {
      const file = `${version.spec.name.replace('/', '-')}-${version.reference.slice(0, 7)}.zip`;
      record.status = 200;
      res.writeHead(200, {
        'Content-Type': 'application/zip',
        'Content-Disposition': `attachment; filename=${file}`,
        'Content-Length': version.archive.length,
      });
      res.end(version.archive);
      return;
    }
    this.sendHtml(res, record, 404, '404: Not Found');
  }

  private newest(): number {
    let newest = 0;
    for (const versions of this.byName.values()) for (const v of versions) newest = Math.max(newest, seconds(v.spec.time));
    return newest;
  }

  /** A JSON document with Last-Modified, answering If-Modified-Since with 304 and gzip when asked. */
  private sendDocument(req: IncomingMessage, res: ServerResponse, record: PackagistRequest, doc: Document): void {
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/json',
      'Last-Modified': new Date(doc.lastModified).toUTCString(),
      Vary: 'Accept-Encoding',
    };
    const since = Date.parse(req.headers['if-modified-since'] ?? '');
    if (!Number.isNaN(since) && doc.lastModified <= since) {
      record.status = 304;
      res.writeHead(304, headers);
      res.end();
      return;
    }
    this.sendBody(req, res, record, 200, doc.body, headers);
  }

  private sendJson(req: IncomingMessage, res: ServerResponse, record: PackagistRequest, status: number, value: JsonObject, extra: Record<string, string> = {}): void {
    this.sendBody(req, res, record, status, Buffer.from(phpJsonEncode(value)), { 'Content-Type': 'application/json', ...extra });
  }

  private sendBody(req: IncomingMessage, res: ServerResponse, record: PackagistRequest, status: number, body: Buffer, headers: Record<string, string | number>): void {
    const gzip = acceptsGzip(req);
    const payload = gzip ? gzipSync(body) : body;
    if (gzip) headers['Content-Encoding'] = 'gzip';
    headers['Content-Length'] = payload.length;
    record.status = status;
    res.writeHead(status, headers);
    res.end(req.method === 'HEAD' ? undefined : payload);
  }

  private sendHtml(res: ServerResponse, record: PackagistRequest, status: number, html: string): void {
    record.status = status;
    res.writeHead(status, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(html) });
    res.end(html);
  }
}

/**
 * Starts a fake packagist.org with its GitHub-like archive hosts on 127.0.0.1 (three free ports).
 * Close it with `close()`.
 */
export async function startMockPackagist(options: MockPackagistOptions = {}): Promise<MockPackagist> {
  const listeners = [0, 1, 2].map(() => new Listener(createServer({ keepAliveTimeout: 5000 }), 0));
  await Promise.all(listeners.map((l) => l.start()));
  const [repo, github, codeload] = listeners as [Listener, Listener, Listener];
  const specs = [...(options.packages ?? defaultPackagistPackages()), ...(options.extraPackages ?? [])];
  return new MockPackagistServers(repo, github, codeload, specs, options.advisories ?? defaultPackagistAdvisories(repo.url));
}
