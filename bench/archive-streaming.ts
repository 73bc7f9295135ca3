/**
 * Streaming a 1 GiB archive through repogate, cold (from the upstream, while it is written to the
 * cache) and from the cache, with repogate's peak resident memory measured for each. The mock
 * upstream holds its archives in memory, so this benchmark brings a small upstream of its own that
 * generates the body as it sends it.
 */
import { createHash } from 'node:crypto';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedRegistry } from './metadata-throughput.js';
import { memoryOf, resetPeak, startRepogateProcess } from './processes.js';

const blockBytes = 1024 * 1024;
const username = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const password = '0f9e8d7c6b5a49382716051f2e3d4c5b';

/** Block `i` of the generated archive: pseudo-random bytes, different for every block. */
function block(base: Buffer, i: number): Buffer {
  const out = Buffer.from(base);
  out.writeUInt32BE(i, 0);
  out.writeUInt32BE((i ^ 0x9e3779b9) >>> 0, blockBytes - 4);
  return out;
}

interface StreamingUpstream {
  readonly url: string;
  readonly archivePath: string;
  readonly sha1: string;
  readonly size: number;
  close(): Promise<void>;
}

/** An upstream with one package whose archive is `blocks` MiB, generated while it is sent. */
async function startStreamingUpstream(blocks: number): Promise<StreamingUpstream> {
  const base = createHash('sha512').update('repogate bench').digest();
  const seed = Buffer.alloc(blockBytes);
  for (let i = 0; i < blockBytes; i += base.length) base.copy(seed, i);
  for (let i = 0; i < blockBytes; i += 4) seed.writeUInt32LE((Math.imul(i, 2654435761) ^ seed.readUInt32LE(i)) >>> 0, i);
  const hash = createHash('sha1');
  for (let i = 0; i < blocks; i++) hash.update(block(seed, i));
  const sha1 = hash.digest('hex');
  const size = blocks * blockBytes;
  const archivePath = '/archives/bench/huge/bench-huge-1.0.0.0.zip';
  const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  let url = '';
  const json = (res: ServerResponse, value: unknown): void => {
    const body = JSON.stringify(value).replace(/\//g, '\\/');
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.authorization !== expected) {
      res.writeHead(401).end();
      return;
    }
    if (req.url === '/packages.json') return json(res, { packages: [], 'metadata-url': '/p2/%package%.json', 'available-packages': ['bench/huge'] });
    if (req.url === '/p2/bench/huge.json') {
      return json(res, {
        minified: 'composer/2.0',
        packages: {
          'bench/huge': [
            {
              name: 'bench/huge',
              version: '1.0.0',
              version_normalized: '1.0.0.0',
              type: 'library',
              dist: { type: 'zip', url: `${url}${archivePath}`, reference: null, shasum: sha1 },
            },
          ],
        },
      });
    }
    if (req.url !== archivePath) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': size });
    let i = 0;
    const pump = (): void => {
      while (i < blocks) {
        if (!res.write(block(seed, i++))) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    res.on('error', () => undefined);
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    archivePath,
    sha1,
    size,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Downloads `url`, counting bytes, while sampling the RSS of `pid`. */
async function download(url: string, authorization: string, pid: number): Promise<{ bytes: number; seconds: number; status: number; sampledPeak: number }> {
  let sampledPeak = 0;
  const sampler = setInterval(() => {
    memoryOf(pid).then(
      (m) => (sampledPeak = Math.max(sampledPeak, m.rss)),
      () => undefined,
    );
  }, 50);
  const started = performance.now();
  try {
    return await new Promise((resolve, reject) => {
      get(url, { headers: { authorization } }, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => resolve({ bytes, seconds: (performance.now() - started) / 1000, status: res.statusCode ?? 0, sampledPeak }));
        res.on('error', reject);
      }).on('error', reject);
    });
  } finally {
    clearInterval(sampler);
  }
}

export interface StreamingFigures {
  readonly sizeBytes: number;
  readonly cold: { readonly peakRss: number; readonly seconds: number };
  readonly cached: { readonly peakRss: number; readonly seconds: number };
  /** RSS of the idle process before the transfers (baseline). */
  readonly idleRss: number;
}

export async function benchArchiveStreaming(options: { sizeMiB: number; startArgs?: readonly string[] }): Promise<StreamingFigures> {
  const upstream = await startStreamingUpstream(options.sizeMiB);
  const { dataDir, authorizations } = await seedRegistry(1, 1);
  const work = await mkdtemp(join(tmpdir(), 'repogate-bench-stream-'));
  try {
    const repogate = await startRepogateProcess({
      ...(options.startArgs ? { startArgs: options.startArgs } : {}),
      dataDir,
      upstreamUrl: upstream.url,
      upstreamUsername: username,
      upstreamPassword: password,
      env: { REPOGATE_ARCHIVE_CACHE_BYTES: String(2 * upstream.size), REPOGATE_LOG_LEVEL: 'warn' },
    });
    try {
      const authorization = authorizations[0]!;
      const url = `${repogate.url}${upstream.archivePath}`;
      const idleRss = (await memoryOf(repogate.pid)).rss;
      const measure = async (): Promise<{ peakRss: number; seconds: number }> => {
        await resetPeak(repogate.pid);
        const result = await download(url, authorization, repogate.pid);
        if (result.status !== 200 || result.bytes !== upstream.size) throw new Error(`download: HTTP ${result.status}, ${result.bytes} bytes`);
        const { peak } = await memoryOf(repogate.pid);
        return { peakRss: Math.max(peak, result.sampledPeak), seconds: result.seconds };
      };
      const cold = await measure();
      // Stored once the download has been checked and renamed into place.
      const stored = join(dataDir, 'archives', 'objects', upstream.sha1.slice(0, 2), upstream.sha1);
      const deadline = Date.now() + 120_000;
      for (;;) {
        try {
          await access(stored);
          break;
        } catch {
          if (Date.now() > deadline) throw new Error('the archive was not stored');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      const cached = await measure();
      return { sizeBytes: upstream.size, cold, cached, idleRss };
    } finally {
      await repogate.stop();
    }
  } finally {
    await upstream.close();
    await rm(work, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  }
}
