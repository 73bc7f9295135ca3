import { pino } from 'pino';
import sonicBoom from 'sonic-boom';
import type { AccessLine } from '../http/request-context.js';
import type { Logger } from '../logger.js';

/** Where the batches go: the logger's destination (a file descriptor), or its stream. */
type Sink = (batch: Buffer) => void;

/**
 * A sink for the logger's destination. pino's `destination()` (SonicBoom, as `createLogger` makes)
 * takes strings; the batches go to the same file descriptor through a SonicBoom of their own that
 * takes bytes (written in the same order: both are synchronous when the logger's is). Any other
 * stream gets the text. None when the destination is unknown.
 */
function sinkOf(logger: Logger): Sink | undefined {
  const stream: unknown = Reflect.get(logger, pino.symbols.streamSym);
  if (typeof stream !== 'object' || stream === null || !('write' in stream) || typeof stream.write !== 'function') return undefined;
  const fd: unknown = Reflect.get(stream, 'fd');
  const sync: unknown = Reflect.get(stream, 'sync');
  if (typeof fd === 'number' && fd >= 0 && typeof sync === 'boolean') {
    const bytes = new sonicBoom.SonicBoom({ fd, sync, contentMode: 'buffer' });
    // In its 'buffer' content mode SonicBoom's write takes bytes (its typings only know strings).
    const write = bytes.write.bind(bytes) as unknown as (chunk: Buffer) => boolean;
    // A synchronous write is done when `write` returns: the batch's memory can be reused at once.
    return sync ? (batch) => write(batch) : (batch) => write(Buffer.from(batch));
  }
  const write = stream.write.bind(stream) as (text: string) => unknown;
  return (batch) => write(batch.toString('utf8'));
}

/**
 * Lines are written together, once this many are queued or at most `flushDelayMs` after the first
 * of them: each write to the destination costs about as much as copying a few dozen lines. More
 * gained nothing measurable (batches of 256 were tried) and would hold lines back longer.
 */
const maxBatch = 64;
const flushDelayMs = 20;
/** Room for 64 lines of the usual ~330 bytes; a longer line gets a batch of its own size. */
const batchBytes = 32 * 1024;
/** Room enough for a duration written by `writeTenths`, and for the time. */
const durationBytes = 32;
const timeBytes = 16;

/**
 * Access log lines for the hot path, the same JSON lines the logger writes (`{"level":30,"time":…,
 * <bindings>,…fields…,"msg":"request"}`), serialised directly into a batch of bytes and handed to
 * the logger's destination (at most 20 ms late) rather than one write per request: under load, the
 * per-line cost of the logger and of its destination's writes was most of what a warm request cost,
 * and then building, joining and encoding the lines as strings (bench/README.md). The parts that
 * recur from request to request (`middleOf`, `tailOf`) are encoded once by the caller and copied.
 * The fields hold no secrets (public keys only), so nothing needs redacting. When the logger's
 * destination can't be reached, lines go through the logger itself.
 */
export class AccessLogLines {
  readonly #logger: Logger;
  readonly #sink: Sink | undefined;
  /** `{"level":30,"time":` */
  readonly #prefix: Buffer;
  /** `,<bindings>,"requestId":"`, after the time. */
  readonly #bindings: Buffer;
  #batch = Buffer.allocUnsafe(batchBytes);
  /** Bytes of `#batch` in use, and the lines they hold. */
  #length = 0;
  #lines = 0;
  /** JSON text of strings seen in lines: paths, packages, key names, addresses. */
  readonly #encoded = new Map<string, string>();
  /** Writes a batch at most `flushDelayMs` after its first line: one timer, re-armed per batch. */
  #timer: NodeJS.Timeout | undefined;

  constructor(logger: Logger) {
    this.#logger = logger;
    this.#sink = sinkOf(logger);
    this.#prefix = Buffer.from(`{"level":${logger.levels.values['info'] ?? 30},"time":`);
    const bindings = JSON.stringify(logger.bindings());
    this.#bindings = Buffer.from(`${bindings === '{}' ? '' : `,${bindings.slice(1, -1)}`},"requestId":"`);
  }

  /** Whether lines are written at all (the log level lets `info` through). */
  get enabled(): boolean {
    return this.#logger.isLevelEnabled('info');
  }

  /** Queues one line. */
  write(line: AccessLine): void {
    if (!this.#logger.isLevelEnabled('info')) return;
    if (!this.#sink) {
      this.#logger.info({ ...line }, 'request');
      return;
    }
    this.#queue(line.requestId, this.middleOf(line.method, line.path, line.status), line.ms, this.tailOf(line));
  }

  /** Whether `writeParts` may be used: lines are written, and straight to the logger's destination. */
  get direct(): boolean {
    return this.#sink !== undefined && this.#logger.isLevelEnabled('info');
  }

  /**
   * Queues the line of a request whose other fields are known in advance (only when `direct`):
   * `middle` is `middleOf(method, path, status)` and `tail` is `tailOf(…)`, both kept by the caller.
   */
  writeParts(requestId: string, middle: Buffer, ms: number, tail: Buffer): void {
    this.#queue(requestId, middle, ms, tail);
  }

  #queue(requestId: string, middle: Buffer, ms: number, tail: Buffer): void {
    const prefix = this.#prefix;
    const bindings = this.#bindings;
    const size = prefix.length + timeBytes + bindings.length + requestId.length + middle.length + durationBytes + tail.length;
    if (this.#length + size > this.#batch.length) {
      this.flush();
      if (size > this.#batch.length) this.#batch = Buffer.allocUnsafe(size);
    }
    const batch = this.#batch;
    let at = this.#length;
    batch.set(prefix, at);
    // Milliseconds since the epoch, as pino writes them.
    at = writeInteger(batch, at + prefix.length, Date.now());
    batch.set(bindings, at);
    at += bindings.length;
    // The request id matches requestIdPattern: ASCII, and no character JSON escapes.
    for (let i = 0; i < requestId.length; i++) batch[at++] = requestId.charCodeAt(i);
    batch.set(middle, at);
    at = writeTenths(batch, at + middle.length, ms);
    batch.set(tail, at);
    this.#length = at + tail.length;
    if (++this.#lines >= maxBatch) {
      this.flush();
    } else if (this.#lines === 1) {
      if (this.#timer) this.#timer.refresh();
      else this.#timer = setTimeout(() => this.flush(), flushDelayMs);
    }
  }

  /** Writes what is pending. */
  flush(): void {
    if (this.#length === 0 || !this.#sink) return;
    const lines = this.#batch.subarray(0, this.#length);
    if (this.#batch.length > batchBytes) this.#batch = Buffer.allocUnsafe(batchBytes);
    this.#length = 0;
    this.#lines = 0;
    this.#sink(lines);
  }

  /** The bytes between the request id and the duration's value: `",` method, path, status, `"ms":`. */
  middleOf(method: string | undefined, path: string, status: number): Buffer {
    // The strings recur from request to request and are encoded once.
    const m = method === undefined ? '' : `,"method":${this.#json(method)}`;
    return Buffer.from(`"${m},"path":${this.#json(path)},"status":${status},"ms":`);
  }

  /** The fields after the duration (who asked, for what, how it was answered) and the line's end. */
  tailOf(l: AccessLine): Buffer {
    let out = '';
    if (l.address !== undefined) out += `,"address":${this.#json(l.address)}`;
    if (l.key !== undefined) out += `,"key":${this.#json(l.key)}`;
    if (l.publicKey !== undefined) out += `,"publicKey":${this.#json(l.publicKey)}`;
    if (l.package !== undefined) out += `,"package":${this.#json(l.package)}`;
    if (l.source !== undefined) out += `,"source":${this.#json(l.source)}`;
    if (l.cache !== undefined) out += `,"cache":${this.#json(l.cache)}`;
    if (l.upstreamMs !== undefined) out += `,"upstreamMs":${l.upstreamMs}`;
    if (l.error !== undefined) out += `,"error":${this.#json(l.error)}`;
    if (l.aborted !== undefined) out += ',"aborted":true';
    return Buffer.from(`${out},"msg":"request"}\n`);
  }

  #json(value: string): string {
    let encoded = this.#encoded.get(value);
    if (encoded === undefined) {
      encoded = JSON.stringify(value);
      if (this.#encoded.size >= 10_000) this.#encoded.clear();
      this.#encoded.set(value, encoded);
    }
    return encoded;
  }
}

/**
 * Writes a duration rounded to tenths of a millisecond as JSON writes it (`3`, `0.4`, `12.5`), from
 * integers, at `at`; returns where it ends (at most `durationBytes` further).
 */
function writeTenths(to: Buffer, at: number, ms: number): number {
  const t = Math.round(ms * 10);
  if (!(t >= 0 && t < 1e15)) return at + to.write(JSON.stringify(Number.isFinite(ms) ? Math.round(ms * 10) / 10 : null), at, 'latin1');
  const rest = t % 10;
  at = writeInteger(to, at, (t - rest) / 10);
  if (rest === 0) return at;
  to[at] = 0x2e;
  to[at + 1] = 0x30 + rest;
  return at + 2;
}

/** Writes the decimal digits of a non-negative integer; returns where they end. */
function writeInteger(to: Buffer, at: number, n: number): number {
  let digits = 1;
  for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++;
  for (let i = at + digits - 1; i >= at; i--) {
    to[i] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  return at + digits;
}
