import { z } from 'zod';

/** One message of Composer 2.2+'s `warnings`/`infos` arrays: shown to Composer versions matching `versions`. */
const messageSchema = z.object({ message: z.string().min(1), versions: z.string().min(1) });

/**
 * The messages a Composer repository's root document gives its users, as Composer reads them
 * (`HttpDownloader::outputWarnings`): `warning`/`info` with an optional `warning-versions`/
 * `info-versions` constraint, and Composer 2.2+'s arrays `warnings`/`infos` of `{message, versions}`.
 */
export interface RootMessages {
  readonly warning?: string;
  readonly 'warning-versions'?: string;
  readonly info?: string;
  readonly 'info-versions'?: string;
  readonly warnings?: ReadonlyArray<z.infer<typeof messageSchema>>;
  readonly infos?: ReadonlyArray<z.infer<typeof messageSchema>>;
}

/**
 * The messages of an upstream root document, to pass on to clients as they are. Only well-formed ones
 * are kept: a string message (with a string constraint, if any); an array entry without a `message`
 * or `versions` string is dropped (Composer would fail on it).
 */
export function rootMessages(root: Readonly<Record<string, unknown>>): RootMessages {
  return { ...legacy(root, 'warning'), ...legacy(root, 'info'), ...list(root, 'warnings'), ...list(root, 'infos') };
}

/** `warning` (or `info`) with its `-versions` constraint, when it is a non-empty string. */
function legacy(root: Readonly<Record<string, unknown>>, type: 'warning' | 'info'): RootMessages {
  const text = root[type];
  if (typeof text !== 'string' || text === '') return {};
  const versions = root[`${type}-versions`];
  return typeof versions === 'string' && versions !== '' ? { [type]: text, [`${type}-versions`]: versions } : { [type]: text };
}

/** `warnings` (or `infos`): the well-formed entries, when there are any. */
function list(root: Readonly<Record<string, unknown>>, key: 'warnings' | 'infos'): RootMessages {
  const entries = root[key];
  if (!Array.isArray(entries)) return {};
  const kept = entries.flatMap((entry) => {
    const parsed = messageSchema.safeParse(entry);
    return parsed.success ? [{ message: parsed.data.message, versions: parsed.data.versions }] : [];
  });
  return kept.length > 0 ? { [key]: kept } : {};
}
