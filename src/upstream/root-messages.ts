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
  const messages: Record<string, unknown> = {};
  for (const type of ['warning', 'info'] as const) {
    const text = root[type];
    if (typeof text !== 'string' || text === '') continue;
    messages[type] = text;
    const versions = root[`${type}-versions`];
    if (typeof versions === 'string' && versions !== '') messages[`${type}-versions`] = versions;
  }
  for (const key of ['warnings', 'infos'] as const) {
    const list = root[key];
    if (!Array.isArray(list)) continue;
    const kept = list.flatMap((entry) => {
      const parsed = messageSchema.safeParse(entry);
      return parsed.success ? [{ message: parsed.data.message, versions: parsed.data.versions }] : [];
    });
    if (kept.length > 0) messages[key] = kept;
  }
  return messages as RootMessages;
}
