import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { copyPositional, type ArchiveBody } from './archive-body.js';
import { streamed } from '../http/streaming-garbage.js';

/** What a finished download produced. */
export interface FillResult {
  readonly sha1: string;
  readonly size: number;
}

/**
 * One upstream download into a temporary file, which any number of readers follow while it grows:
 * the first client gets bytes as they arrive, later ones catch up from the file, and a slow client
 * never slows the download. Memory stays bounded (one chunk per reader); the file handle closes when
 * the download and every reader are done, so the file may be renamed or removed meanwhile.
 */
export class ArchiveFill {
  readonly file: string;
  readonly #handle: FileHandle;
  readonly #hash = createHash('sha1');
  #written = 0;
  #state: 'running' | 'complete' | 'failed' = 'running';
  #error: Error | undefined;
  #result: FillResult | undefined;
  /** The owner (who decides what becomes of the file) holds one reference; each reader one more. */
  #refs = 1;
  #closed = false;
  #progress = deferred();
  readonly #done = deferred<FillResult>();

  constructor(file: string, handle: FileHandle) {
    this.file = file;
    this.#handle = handle;
    // Nobody may be waiting for the outcome (every reader gone): that is not an unhandled rejection.
    this.#done.promise.catch(() => undefined);
  }

  /** Bytes written so far. */
  get written(): number {
    return this.#written;
  }

  /** Settles when the download is complete (sha1 and size of the bytes) or has failed. */
  get done(): Promise<FillResult> {
    return this.#done.promise;
  }

  /** Copies `body` into the file; never throws (a failure fails the readers and `done`). */
  async run(body: AsyncIterable<Uint8Array>): Promise<void> {
    try {
      for await (const chunk of body) {
        this.#hash.update(chunk);
        let offset = 0;
        while (offset < chunk.length) {
          const { bytesWritten } = await this.#handle.write(chunk, offset, chunk.length - offset, this.#written);
          offset += bytesWritten;
          this.#written += bytesWritten;
        }
        streamed(chunk.length);
        this.#signal();
      }
      this.#result = { sha1: this.#hash.digest('hex'), size: this.#written };
      this.#state = 'complete';
      this.#done.resolve(this.#result);
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.#signal();
    }
  }

  /** Ends the download as failed: readers stop with `error` (their clients see a cut transfer). */
  fail(error: Error): void {
    if (this.#state !== 'running') return;
    this.#state = 'failed';
    this.#error = error;
    this.#done.reject(error);
    this.#signal();
  }

  /**
   * The file from its first byte, following the download until it completes; undefined once the
   * owner and every reader have let go (the file handle is closed then).
   */
  body(): ArchiveBody | undefined {
    if (this.#closed) return undefined;
    this.#refs++;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      void this.release();
    };
    return {
      copyTo: async (dest) => {
        try {
          await copyPositional((buffer, position) => this.#readInto(buffer, position), dest);
        } finally {
          release();
        }
      },
      discard: release,
    };
  }

  /** Reads what is written at `position`, waiting for more while the download runs; 0 at the end. */
  async #readInto(buffer: Buffer, position: number): Promise<number> {
    for (;;) {
      if (position < this.#written) {
        const length = Math.min(buffer.length, this.#written - position);
        return (await this.#handle.read(buffer, 0, length, position)).bytesRead;
      }
      if (this.#state === 'complete') return 0;
      if (this.#state === 'failed') throw this.#error ?? new Error('archive download failed');
      await this.#progress.promise;
    }
  }

  /** Lets go of one reference (the owner's, or a reader's); the last one closes the file handle. */
  async release(): Promise<void> {
    if (--this.#refs > 0 || this.#closed) return;
    this.#closed = true;
    await this.#handle.close().catch(() => undefined);
  }

  #signal(): void {
    const current = this.#progress;
    this.#progress = deferred();
    current.resolve();
  }

}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
