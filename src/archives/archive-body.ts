import type { FileHandle } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { streamed } from '../http/streaming-garbage.js';

/** The bytes of an archive, ready to be copied to a response. */
export interface ArchiveBody {
  /** Writes every byte to `dest` (without ending it); rejects when the source fails or `dest` goes away. */
  copyTo(dest: Writable): Promise<void>;
  /** Lets go of the source without reading it (HEAD, refused requests). */
  discard(): void;
  /** Its bytes `start` to `end` (included) instead, for a range request; absent where ranges can't be read. */
  slice?(start: number, end: number): ArchiveBody;
}

/** Reads up to `buffer.length` bytes at `position` into `buffer`; 0 at the end. */
export type PositionalRead = (buffer: Buffer, position: number) => Promise<number>;

const chunkBytes = 64 * 1024;
/** Chunks kept for reuse across responses (4 MiB): a gigabyte streamed leaves no garbage behind. */
const maxSpare = 64;
const spare: Buffer[] = [];

function takeChunk(): Buffer {
  return spare.pop() ?? Buffer.allocUnsafeSlow(chunkBytes);
}

function giveBack(chunk: Buffer): void {
  if (spare.length < maxSpare) spare.push(chunk);
}

/**
 * Copies a positional source to `dest` in 64 KiB chunks, each reused once the socket has taken it
 * (the write callback), so that memory stays flat however large the archive: no chunk is left for
 * the garbage collector, whose lag is what would make a 1 GiB transfer grow the process. With the
 * source's `size` known, the copy ends there rather than with a read that finds the end. It starts
 * at `start` (a range request).
 */
export async function copyPositional(read: PositionalRead, dest: Writable, size = Number.POSITIVE_INFINITY, start = 0): Promise<void> {
  let position = start;
  while (position < size) {
    if (dest.destroyed || dest.writableEnded) throw new Error('the client went away');
    const chunk = takeChunk();
    let n: number;
    try {
      n = await read(size - position < chunk.length ? chunk.subarray(0, size - position) : chunk, position);
    } catch (error) {
      giveBack(chunk);
      throw error;
    }
    if (n === 0) {
      giveBack(chunk);
      return;
    }
    position += n;
    streamed(n);
    const written = dest.write(n === chunk.length ? chunk : chunk.subarray(0, n), (error) => {
      if (!error) giveBack(chunk);
    });
    if (!written) await drained(dest);
  }
}

function drained(dest: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      dest.off('drain', done);
      dest.off('close', closed);
      resolve();
    };
    const closed = (): void => {
      dest.off('drain', done);
      dest.off('close', closed);
      reject(new Error('the client went away'));
    };
    dest.on('drain', done);
    dest.on('close', closed);
  });
}

/**
 * A stored archive, read from its open file handle (closed when done); `size` is the file's, or
 * where to stop, and `start` where to begin.
 */
export function fileBody(handle: FileHandle, size?: number, start = 0): ArchiveBody {
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    handle.close().catch(() => undefined);
  };
  return {
    async copyTo(dest) {
      try {
        await copyPositional(async (buffer, position) => (await handle.read(buffer, 0, buffer.length, position)).bytesRead, dest, size, start);
      } finally {
        close();
      }
    },
    discard: close,
    slice: (from, to) => fileBody(handle, to + 1, from),
  };
}

/** A stored archive already read (a small one: ArchiveStore.openArchive). */
export function bytesBody(bytes: Buffer): ArchiveBody {
  return {
    async copyTo(dest) {
      if (dest.destroyed || dest.writableEnded) throw new Error('the client went away');
      if (!dest.write(bytes)) await drained(dest);
    },
    discard: () => undefined,
    slice: (from, to) => bytesBody(bytes.subarray(from, to + 1)),
  };
}
