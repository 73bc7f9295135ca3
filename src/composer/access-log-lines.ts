import { pino } from 'pino';
import type { AccessLine } from '../http/request-context.js';
import type { Logger } from '../logger.js';

interface LineStream {
  write(chunk: string): unknown;
}

function isLineStream(value: unknown): value is LineStream {
  return typeof value === 'object' && value !== null && 'write' in value && typeof value.write === 'function';
}

/**
 * Lines are written together, once this many are queued or at most `flushDelayMs` after the first
 * of them: each write to the destination costs about as much as serialising a few dozen lines. Not
 * many more: under load, a line kept longer outlives two of V8's young collections and is copied
 * into the old generation, which then needs full collections.
 */
const maxBatch = 64;
const flushDelayMs = 20;

/**
 * Access log lines for the hot path, the same JSON lines the logger writes (`{"level":30,"time":…,
 * <bindings>,…fields…,"msg":"request"}`), serialised directly and handed to the logger's destination
 * in batches (at most 20 ms late) rather than one write per request: under load, the per-line cost
 * of the logger and of its destination's writes was most of what a warm request cost. The fields hold
 * no secrets (public keys only), so nothing needs redacting. When the logger's destination can't be
 * reached, lines go through the logger itself.
 */
export class AccessLogLines {
  readonly #logger: Logger;
  readonly #stream: LineStream | undefined;
  readonly #prefix: string;
  readonly #bindings: string;
  #pending: string[] = [];
  #timeMs = 0;
  /** `{"level":30,"time":<ms>,<bindings>,"requestId":"` for the millisecond `#timeMs`. */
  #start = '';
  /** JSON text of strings seen in lines: paths, packages, key names, addresses. */
  readonly #encoded = new Map<string, string>();
  #scheduled = false;

  constructor(logger: Logger) {
    this.#logger = logger;
    const stream: unknown = Reflect.get(logger, pino.symbols.streamSym);
    this.#stream = isLineStream(stream) ? stream : undefined;
    this.#prefix = `{"level":${logger.levels.values['info'] ?? 30},"time":`;
    const bindings = JSON.stringify(logger.bindings());
    this.#bindings = bindings === '{}' ? '' : `,${bindings.slice(1, -1)}`;
  }

  /** Whether lines are written at all (the log level lets `info` through). */
  get enabled(): boolean {
    return this.#logger.isLevelEnabled('info');
  }

  /**
   * Queues one line. `tail`, when given, is `tailOf(line)` kept by the caller from an earlier line
   * about the same key, package and address.
   */
  write(line: AccessLine, tail?: string): void {
    if (!this.#logger.isLevelEnabled('info')) return;
    if (!this.#stream) {
      this.#logger.info({ ...line }, 'request');
      return;
    }
    this.#queue(line.requestId, this.middleOf(line.method, line.path, line.status), line.ms, tail ?? this.tailOf(line));
  }

  /** Whether `writeParts` may be used: lines are written, and straight to the logger's destination. */
  get direct(): boolean {
    return this.#stream !== undefined && this.#logger.isLevelEnabled('info');
  }

  /**
   * Queues the line of a request whose other fields are known in advance (only when `direct`):
   * `middle` is `middleOf(method, path, status)` and `tail` is `tailOf(…)`, both kept by the caller.
   */
  writeParts(requestId: string, middle: string, ms: number, tail: string): void {
    this.#queue(requestId, middle, ms, tail);
  }

  #queue(requestId: string, middle: string, ms: number, tail: string): void {
    // Milliseconds, as pino writes them; the start of the line is made once per millisecond.
    const now = Date.now();
    if (now !== this.#timeMs) {
      this.#timeMs = now;
      this.#start = `${this.#prefix}${now}${this.#bindings},"requestId":"`;
    }
    // The request id matches requestIdPattern: no character JSON escapes.
    this.#pending.push(`${this.#start}${requestId}${middle}${tenths(ms)}${tail}`);
    if (this.#pending.length >= maxBatch) {
      this.flush();
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      setTimeout(() => this.flush(), flushDelayMs);
    }
  }

  /** Writes what is pending. */
  flush(): void {
    this.#scheduled = false;
    if (this.#pending.length === 0 || !this.#stream) return;
    const text = this.#pending.join('');
    this.#pending = [];
    this.#stream.write(text);
  }

  /** The text between the request id and the duration's value: `",` method, path, status, `"ms":`. */
  middleOf(method: string | undefined, path: string, status: number): string {
    // The strings recur from request to request and are encoded once.
    const m = method === undefined ? '' : `,"method":${this.#json(method)}`;
    return `"${m},"path":${this.#json(path)},"status":${status},"ms":`;
  }

  /** The fields after the duration (who asked, for what, how it was answered) and the line's end. */
  tailOf(l: AccessLine): string {
    let out = '';
    if (l.address !== undefined) out += `,"address":${this.#json(l.address)}`;
    if (l.key !== undefined) out += `,"key":${this.#json(l.key)}`;
    if (l.publicKey !== undefined) out += `,"publicKey":${this.#json(l.publicKey)}`;
    if (l.package !== undefined) out += `,"package":${this.#json(l.package)}`;
    if (l.cache !== undefined) out += `,"cache":${this.#json(l.cache)}`;
    if (l.upstreamMs !== undefined) out += `,"upstreamMs":${l.upstreamMs}`;
    if (l.error !== undefined) out += `,"error":${this.#json(l.error)}`;
    if (l.aborted !== undefined) out += ',"aborted":true';
    return `${out},"msg":"request"}\n`;
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

/** A duration rounded to tenths of a millisecond as JSON writes it (`3`, `0.4`, `12.5`), from integers. */
function tenths(ms: number): string {
  const t = Math.round(ms * 10);
  if (!Number.isSafeInteger(t) || t < 0) return String(Math.round(ms * 10) / 10);
  const rest = t % 10;
  return rest === 0 ? String(t / 10) : `${(t - rest) / 10}.${rest}`;
}
