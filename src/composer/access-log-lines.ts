import { pino } from 'pino';
import type { AccessLine } from '../http/request-context.js';
import type { Logger } from '../logger.js';

interface LineStream {
  write(chunk: string): unknown;
}

function isLineStream(value: unknown): value is LineStream {
  return typeof value === 'object' && value !== null && 'write' in value && typeof value.write === 'function';
}

/** Lines gathered in one turn of the event loop are written together, but never more than this many. */
const maxBatch = 256;

/**
 * Access log lines for the hot path, the same JSON lines the logger writes (`{"level":30,"time":…,
 * <bindings>,…fields…,"msg":"request"}`), serialised directly and handed to the logger's destination
 * once per turn of the event loop rather than once per request: under load, the per-line cost of
 * the logger and of its destination's writes is most of what a warm request costs. The fields hold
 * no secrets (public keys only), so nothing needs redacting. When the logger's destination can't be
 * reached, lines go through the logger itself.
 */
export class AccessLogLines {
  readonly #logger: Logger;
  readonly #stream: LineStream | undefined;
  readonly #prefix: string;
  readonly #bindings: string;
  #pending: string[] = [];
  #scheduled = false;

  constructor(logger: Logger) {
    this.#logger = logger;
    const stream: unknown = Reflect.get(logger, pino.symbols.streamSym);
    this.#stream = isLineStream(stream) ? stream : undefined;
    this.#prefix = `{"level":${logger.levels.values['info'] ?? 30},"time":`;
    const bindings = JSON.stringify(logger.bindings());
    this.#bindings = bindings === '{}' ? '' : `,${bindings.slice(1, -1)}`;
  }

  write(line: AccessLine): void {
    if (!this.#logger.isLevelEnabled('info')) return;
    if (!this.#stream) {
      this.#logger.info({ ...line }, 'request');
      return;
    }
    this.#pending.push(this.#serialise(line));
    if (this.#pending.length >= maxBatch) {
      this.flush();
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
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

  #serialise(l: AccessLine): string {
    let out = `${this.#prefix}${Date.now()}${this.#bindings},"requestId":${JSON.stringify(l.requestId)}`;
    if (l.method !== undefined) out += `,"method":${JSON.stringify(l.method)}`;
    out += `,"path":${JSON.stringify(l.path)},"status":${l.status},"ms":${l.ms}`;
    if (l.address !== undefined) out += `,"address":${JSON.stringify(l.address)}`;
    if (l.key !== undefined) out += `,"key":${JSON.stringify(l.key)}`;
    if (l.publicKey !== undefined) out += `,"publicKey":${JSON.stringify(l.publicKey)}`;
    if (l.package !== undefined) out += `,"package":${JSON.stringify(l.package)}`;
    if (l.cache !== undefined) out += `,"cache":${JSON.stringify(l.cache)}`;
    if (l.upstreamMs !== undefined) out += `,"upstreamMs":${l.upstreamMs}`;
    if (l.error !== undefined) out += `,"error":${JSON.stringify(l.error)}`;
    if (l.aborted !== undefined) out += ',"aborted":true';
    return `${out},"msg":"request"}\n`;
  }
}
