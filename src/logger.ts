import { pino, type DestinationStream, type Logger } from 'pino';
import { redactUrl } from './redact-url.js';

export type { Logger };

/**
 * The one logger factory. Credentials are redacted wherever they could appear: request headers,
 * upstream options, and any field named like a secret; and the password of any URL anywhere in a
 * line (a database or Redis URL in an error message, say) is replaced by `***`. Lines go to stdout with synchronous writes:
 * the access log hands over its lines in batches (composer/access-log-lines.ts), and under load an
 * asynchronous destination cost a warm request far more in thread-pool round trips than the writes
 * themselves (0.62 × the bare server's throughput against 0.74 ×, bench/README.md).
 */
export function createLogger(options: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'repogate' },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'headers.authorization',
          'authorization',
          'password',
          'privateKey',
          'token',
          '*.password',
          '*.privateKey',
          '*.token',
        ],
        censor: '[redacted]',
      },
      hooks: { streamWrite: redactUrl },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
