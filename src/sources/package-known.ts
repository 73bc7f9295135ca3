import type { PackageKnown } from '../access/explain-access.js';
import type { SourceSet } from './source-set.js';

/** How long an access explanation waits for the sources' answer. */
const askTimeoutMs = 5_000;

/**
 * For access explanations: the first of an account's sources that has a package, asked in order as
 * the proxy asks them (each source's package list when its root gives one, else its metadata, through
 * the metadata cache); null when none has it; undefined when one of them could not be asked within 5 s.
 */
export function sourcesPackageKnown(sources: SourceSet): PackageKnown {
  return async (name, names) => {
    const ask = async (): Promise<string | null | undefined> => {
      let unanswered = false;
      for (const sourceName of names) {
        try {
          const source = await sources.ensure(sourceName);
          if ((await source.repository.lookup(name, false)).has) return sourceName;
        } catch {
          unanswered = true;
        }
      }
      return unanswered ? undefined : null;
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), askTimeoutMs)));
    try {
      return await Promise.race([ask(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}
