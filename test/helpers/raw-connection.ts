import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';

/** One HTTP/1.x response as it came off the wire. */
export interface RawResponse {
  readonly head: string;
  readonly body: Buffer;
}

/** A client on one TCP connection that sends raw requests and reads raw responses, in order. */
export class RawConnection {
  readonly #socket: Socket;
  #buffer = Buffer.alloc(0);
  #ended = false;
  #waiting: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#waiting?.();
    });
    socket.on('end', () => {
      this.#ended = true;
      this.#waiting?.();
    });
  }

  static async open(url: string): Promise<RawConnection> {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawConnection(socket);
  }

  send(text: string): void {
    this.#socket.write(text);
  }

  /** The next response (its head up to the blank line, and Content-Length bytes of body unless `head`). */
  async response(options: { head?: boolean } = {}): Promise<RawResponse> {
    for (;;) {
      const end = this.#buffer.indexOf('\r\n\r\n');
      if (end >= 0) {
        const head = this.#buffer.subarray(0, end + 4).toString('latin1');
        const length = options.head ? 0 : Number(/\r\ncontent-length: (\d+)\r\n/i.exec(head)?.[1] ?? 0);
        if (this.#buffer.length >= end + 4 + length) {
          const body = this.#buffer.subarray(end + 4, end + 4 + length);
          this.#buffer = this.#buffer.subarray(end + 4 + length);
          return { head, body };
        }
      }
      assert.ok(!this.#ended, 'the connection ended before a whole response came');
      await this.#wait();
    }
  }

  /** Resolves once the server has closed the connection. */
  async ended(): Promise<void> {
    while (!this.#ended) await this.#wait();
  }

  close(): void {
    this.#socket.destroy();
  }

  async #wait(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer within 5 s')), 5000);
      this.#waiting = () => {
        clearTimeout(timer);
        this.#waiting = undefined;
        resolve();
      };
    });
  }
}

/** RFC 9110's preferred date format, the one node writes: `Thu, 26 Nov 2026 15:09:44 GMT`. */
const imfFixdate = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** A head with its request id and date replaced by placeholders. */
export function normalised(head: string, requestId: string): string {
  assert.ok(head.includes(`\r\nX-Request-Id: ${requestId}\r\n`), `X-Request-Id ${requestId} in\n${head}`);
  const date = /\r\nDate: ([^\r]+)\r\n/.exec(head)?.[1];
  assert.ok(date !== undefined && imfFixdate.test(date) && Math.abs(Date.parse(date) - Date.now()) < 5000, `a current Date in\n${head}`);
  return head.replace(`X-Request-Id: ${requestId}\r\n`, 'X-Request-Id: <id>\r\n').replace(`Date: ${date}\r\n`, 'Date: <date>\r\n');
}
