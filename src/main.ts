import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from './config.js';
import { isRepogateError } from './errors.js';
import { createLogger } from './logger.js';
import { redactUrl } from './redact-url.js';
import { applyServerProcessSettings } from './process-settings.js';
import { startRepogate } from './server.js';

/**
 * `npm start` and `repogate serve`: reads the configuration, starts both listeners, and shuts down
 * gracefully on SIGTERM/SIGINT. A configuration error exits with status 2.
 */
export async function runServe(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`repogate: ${redactUrl(error instanceof Error ? error.message : String(error))}\n`);
    process.exitCode = 2;
    return;
  }
  const logger = createLogger({ level: config.logLevel });
  applyServerProcessSettings();
  let running;
  try {
    running = await startRepogate(config, logger);
  } catch (error) {
    const message = redactUrl(error instanceof Error ? error.message : String(error));
    logger.fatal({ err: message }, 'repogate could not start');
    process.stderr.write(`repogate: could not start: ${message}\n`);
    process.exitCode = isRepogateError(error) ? error.exitCode : 1;
    logger.flush();
    return;
  }
  const stop = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    running.close().then(
      () => {
        logger.flush();
        process.exitCode = 0;
      },
      (error: unknown) => {
        logger.error({ err: String(error) }, 'shutdown failed');
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

const entry = process.argv[1];
if (entry !== undefined && realpathSync(entry) === fileURLToPath(import.meta.url)) {
  void runServe();
}
