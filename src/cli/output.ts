import Table from 'cli-table3';
import { isRepogateError } from '../errors.js';
import { redactUrl } from '../redact-url.js';

/** Where a command writes its result: JSON for machines (`--json`) or text for people. */
export interface Output {
  readonly json: boolean;
  /** Prints `value` as one JSON document, or the text `human()` returns. */
  result(value: unknown, human: () => string): void;
  /**
   * Something the user should know that is not the result, on stderr: `repogate: <message>`, or with
   * --json one line `{"notice":{"code","message",…}}`.
   */
  notice(notice: { readonly code: string; readonly message: string; readonly [field: string]: unknown }): void;
}

export function createOutput(json: boolean): Output {
  return {
    json,
    result(value, human) {
      console.log(json ? JSON.stringify(value, null, 2) : human());
    },
    notice(notice) {
      console.error(json ? JSON.stringify({ notice }) : `repogate: ${redactUrl(notice.message)}`);
    },
  };
}

/** A bordered table (cli-table3) without colours, so that output is the same on a terminal and in a pipe. */
export function renderTable(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const table = new Table({ head: [...head], style: { head: [], border: [] } });
  for (const row of rows) table.push([...row]);
  return table.toString();
}

/** Aligned `field: value` lines, as `show` commands print them. */
export function renderFields(fields: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(...fields.map(([label]) => label.length)) + 1;
  return fields.map(([label, value]) => `${`${label}:`.padEnd(width)} ${value}`).join('\n');
}

/** `2024-05-01T12:34:56.789Z` → `2024-05-01 12:34:56Z`. */
export function formatTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/**
 * The text of an error for stderr: `repogate: <message>`, or `{"error":{"code","message"}}` with
 * --json; the password of any URL in it (a database URL, say) replaced by `***`.
 */
export function formatError(error: unknown, json: boolean): string {
  const code = isRepogateError(error) ? error.code : 'INTERNAL';
  const message = redactUrl(error instanceof Error ? error.message : String(error));
  return json ? JSON.stringify({ error: { code, message } }) : `repogate: ${message}`;
}
