import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The one logger factory. Credentials are redacted wherever they could appear: request headers,
 * upstream options, and any field named like a secret.
 */
export function createLogger(options: { level: string; destination?: NodeJS.WritableStream }): Logger {
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
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
