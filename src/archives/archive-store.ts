import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink, utimes, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** A stored archive: its content address and where its bytes are. */
export interface StoredArchive {
  readonly sha1: string;
  readonly size: number;
  readonly file: string;
}

export interface ArchiveStoreStats {
  readonly files: number;
  readonly bytes: number;
  readonly maxBytes: number;
}

interface Entry {
  readonly size: number;
  /** When the file's mtime was last moved forward (it orders eviction after a restart). */
  touchedAt: number;
}

/** Callbacks for metrics: the bytes held after each change, and each eviction. */
export interface ArchiveStoreObserver {
  bytes?(bytes: number): void;
  evicted?(): void;
}

const sha1Pattern = /^[0-9a-f]{40}$/;
/** Temporary files older than this are leftovers of a crash (a download in progress is far younger). */
const staleTempMs = 6 * 3600_000;
const touchEveryMs = 60_000;
/**
 * Stored archives up to this size are read whole when served (most module archives are far smaller);
 * larger ones are streamed from their file in chunks.
 */
const wholeReadBytes = 256 * 1024;

/** A stored archive opened for serving: its bytes, or a handle to stream them from. */
export type OpenedArchive = { readonly size: number; readonly bytes: Buffer } | { readonly size: number; readonly handle: FileHandle };

/**
 * The archive disk cache: content-addressed files (`<root>/objects/<aa>/<sha1>`) bounded by
 * `maxBytes`, evicted least recently used. A file only appears under its address once it is
 * complete: bytes are written to a temporary file in `<root>/tmp/` and renamed into place.
 *
 * Recency is kept in memory and, across restarts, in the files' mtimes. Several processes may share
 * the directory (the CLI's `cache warm`, a running server): a file another process added is found on
 * the first lookup, one another process removed is forgotten when it can't be opened.
 * `maxBytes` 0 keeps nothing (temporary files are still used while downloading).
 */
export class ArchiveStore {
  readonly root: string;
  readonly maxBytes: number;
  /** Map order is recency: the first entry is the least recently used. */
  readonly #entries = new Map<string, Entry>();
  readonly #observer: ArchiveStoreObserver;
  #bytes = 0;

  constructor(root: string, maxBytes: number, observer: ArchiveStoreObserver = {}) {
    this.root = root;
    this.maxBytes = maxBytes;
    this.#observer = observer;
  }

  get enabled(): boolean {
    return this.maxBytes > 0;
  }

  /**
   * Creates the directories, removes leftover temporary files, indexes what is stored and evicts
   * what exceeds the bound. `inspect` only indexes (for reports such as `repogate cache stats`).
   */
  async open(options: { inspect?: boolean } = {}): Promise<void> {
    if (!options.inspect) {
      await mkdir(join(this.root, 'objects'), { recursive: true });
      await mkdir(this.tempDir, { recursive: true });
      const now = Date.now();
      for (const name of await readdir(this.tempDir)) {
        const file = join(this.tempDir, name);
        const info = await stat(file).catch(() => undefined);
        if (info && now - info.mtimeMs > staleTempMs) await rm(file, { force: true });
      }
    }
    const found: Array<{ sha1: string; size: number; mtimeMs: number }> = [];
    for (const shard of await readdir(join(this.root, 'objects')).catch(() => [] as string[])) {
      const dir = join(this.root, 'objects', shard);
      const names = await readdir(dir).catch(() => [] as string[]);
      for (const name of names) {
        if (!sha1Pattern.test(name)) continue;
        const info = await stat(join(dir, name)).catch(() => undefined);
        if (info?.isFile()) found.push({ sha1: name, size: info.size, mtimeMs: info.mtimeMs });
      }
    }
    found.sort((a, b) => a.mtimeMs - b.mtimeMs);
    this.#entries.clear();
    this.#bytes = 0;
    for (const f of found) this.#add(f.sha1, f.size, f.mtimeMs);
    if (!options.inspect) await this.#evict();
  }

  get tempDir(): string {
    return join(this.root, 'tmp');
  }

  fileOf(sha1: string): string {
    return join(this.root, 'objects', sha1.slice(0, 2), sha1);
  }

  /**
   * Opens a stored archive for reading and marks it used; undefined when it isn't stored (or its
   * size isn't `expectedSize`). An archive of at most `wholeReadBytes` (known from `expectedSize`)
   * comes as its bytes, read at once; a larger one as an open handle, which the caller closes.
   */
  async openArchive(sha1: string, expectedSize?: number): Promise<OpenedArchive | undefined> {
    if (!this.enabled || !sha1Pattern.test(sha1)) return undefined;
    if (expectedSize !== undefined && expectedSize <= wholeReadBytes) {
      const bytes = this.readSmall(sha1, expectedSize);
      return bytes && { size: bytes.length, bytes };
    }
    let handle: FileHandle;
    try {
      handle = await open(this.fileOf(sha1), 'r');
    } catch {
      this.#remove(sha1);
      return undefined;
    }
    const { size } = await handle.stat();
    if (expectedSize !== undefined && size !== expectedSize) {
      await handle.close();
      return undefined;
    }
    this.#used(sha1, size);
    return { handle, size };
  }

  /**
   * The bytes of a stored archive of `size` bytes, at most `wholeReadBytes`, marked used: read
   * synchronously, as nginx reads its cached files (a few system calls on a file the page cache
   * holds, against four thread-pool round trips). Undefined when it isn't stored, is larger, or its
   * size isn't `size`.
   */
  readSmall(sha1: string, size: number): Buffer | undefined {
    if (!this.enabled || size > wholeReadBytes || !sha1Pattern.test(sha1)) return undefined;
    const bytes = this.#readWhole(sha1, size);
    if (bytes) this.#used(sha1, bytes.length);
    return bytes;
  }

  /** See `readSmall`. */
  #readWhole(sha1: string, size: number): Buffer | undefined {
    let fd: number;
    try {
      fd = openSync(this.fileOf(sha1), 'r');
    } catch {
      this.#remove(sha1);
      return undefined;
    }
    try {
      if (fstatSync(fd).size !== size) return undefined;
      const bytes = Buffer.allocUnsafe(size);
      let read = 0;
      while (read < size) {
        const n = readSync(fd, bytes, read, size - read, read);
        if (n === 0) return undefined;
        read += n;
      }
      return bytes;
    } catch {
      return undefined;
    } finally {
      closeSync(fd);
    }
  }

  /** Marks a stored archive used (its recency, and the mtime that keeps it across restarts). */
  #used(sha1: string, size: number): void {
    const entry = this.#entries.get(sha1);
    if (entry) {
      this.#entries.delete(sha1);
      this.#entries.set(sha1, entry);
      if (Date.now() - entry.touchedAt > touchEveryMs) {
        entry.touchedAt = Date.now();
        const at = new Date();
        utimes(this.fileOf(sha1), at, at).catch(() => undefined);
      }
    } else {
      // Stored by another process: account for it from now on.
      this.#add(sha1, size, Date.now());
      void this.#evict();
    }
  }

  /** A new temporary file, open for reading and writing. */
  async createTemp(): Promise<{ file: string; handle: FileHandle }> {
    const file = join(this.tempDir, `${Date.now()}-${randomBytes(6).toString('hex')}.part`);
    let handle: FileHandle;
    try {
      handle = await open(file, 'w+');
    } catch {
      await mkdir(this.tempDir, { recursive: true });
      handle = await open(file, 'w+');
    }
    return { file, handle };
  }

  /**
   * Moves a complete, verified temporary file under its address, then evicts what exceeds the bound.
   * Returns false (and removes the file) when the cache is off or the archive alone exceeds the bound.
   */
  async commit(tempFile: string, sha1: string, size: number): Promise<boolean> {
    if (!this.enabled || size > this.maxBytes || !sha1Pattern.test(sha1)) {
      await unlink(tempFile).catch(() => undefined);
      return false;
    }
    const target = this.fileOf(sha1);
    await mkdir(join(this.root, 'objects', sha1.slice(0, 2)), { recursive: true });
    await rename(tempFile, target);
    if (this.#entries.has(sha1)) this.#remove(sha1);
    this.#add(sha1, size, Date.now());
    await this.#evict(sha1);
    return true;
  }

  /** Removes a stored archive (whether or not this process knew it). */
  async delete(sha1: string): Promise<boolean> {
    if (!sha1Pattern.test(sha1)) return false;
    this.#remove(sha1);
    try {
      await unlink(this.fileOf(sha1));
      return true;
    } catch {
      return false;
    }
  }

  /** Stored archives as this process knows them, least recently used first. */
  list(): StoredArchive[] {
    return [...this.#entries].map(([sha1, e]) => ({ sha1, size: e.size, file: this.fileOf(sha1) }));
  }

  has(sha1: string): boolean {
    return this.#entries.has(sha1);
  }

  stats(): ArchiveStoreStats {
    return { files: this.#entries.size, bytes: this.#bytes, maxBytes: this.maxBytes };
  }

  #add(sha1: string, size: number, touchedAt: number): void {
    this.#entries.set(sha1, { size, touchedAt });
    this.#bytes += size;
    this.#observer.bytes?.(this.#bytes);
  }

  #remove(sha1: string): void {
    const entry = this.#entries.get(sha1);
    if (!entry) return;
    this.#entries.delete(sha1);
    this.#bytes -= entry.size;
    this.#observer.bytes?.(this.#bytes);
  }

  async #evict(keep?: string): Promise<void> {
    for (const [sha1] of this.#entries) {
      if (this.#bytes <= this.maxBytes) return;
      if (sha1 === keep) continue;
      // Readers that have the file open keep reading it; the space returns when they close it.
      await this.delete(sha1);
      this.#observer.evicted?.();
    }
  }
}
