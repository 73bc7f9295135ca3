import type { Logger } from '../logger.js';
import type { ArchivePin, PinStore } from './pin-store.js';

/**
 * Records that the upstream now has other bytes (or another `shasum`) for a pinned path, and logs
 * it the first time this process sees that drift. repogate keeps serving the pinned bytes.
 */
export function noteDrift(pins: PinStore, logger: Logger, pin: ArchivePin, upstreamSha1: string, seenIn: 'metadata' | 'download'): void {
  pins.noteDrift(pin, upstreamSha1).then(
    (first) => {
      if (!first) return;
      logger.warn(
        { package: pin.packageName, path: pin.path, pinnedSha1: pin.sha1, upstreamSha1, seenIn },
        'ARCHIVE DRIFT: the upstream republished a pinned archive with different bytes; repogate keeps serving the pinned bytes',
      );
    },
    (error: unknown) => logger.error({ path: pin.path, err: String(error) }, 'could not record an archive drift'),
  );
}
