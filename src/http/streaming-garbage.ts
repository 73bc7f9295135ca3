/**
 * Streaming a large archive leaves garbage behind at every chunk: the upstream socket's body
 * buffers, and the native requests of each file read and socket write, which are freed only when V8
 * collects the small JavaScript objects holding them. With V8's default young generation (16 MiB
 * semi-spaces, which the warm metadata path wants) that collection comes late, and a 1 GiB transfer
 * grew the process by 45–55 MiB. So streams (archives, release downloads) report their bytes here,
 * and every `collectEveryBytes` streamed (process-wide) V8 is asked for a young-generation
 * collection, once the server has handed over V8's `gc` (src/process-settings.ts); until then
 * nothing happens.
 */
export type MinorCollection = (options: { type: 'minor' }) => void;

/**
 * Measured on a cold 1 GiB transfer: every 4 MiB gave a peak 2–5 MiB lower than every 8 MiB, at twice
 * the collections; every 16 MiB, 5–10 MiB higher.
 */
export const collectEveryBytes = 8 * 1024 * 1024;

let collect: MinorCollection | undefined;
let sinceCollection = 0;

/** From now on, `streamed` asks `gc` for young-generation collections (undefined: never). */
export function collectStreamingGarbage(gc: MinorCollection | undefined): void {
  collect = gc;
  sinceCollection = 0;
}

/** Counts `bytes` streamed; asks for a young-generation collection every `collectEveryBytes`. */
export function streamed(bytes: number): void {
  if (collect === undefined) return;
  sinceCollection += bytes;
  if (sinceCollection < collectEveryBytes) return;
  sinceCollection = 0;
  collect({ type: 'minor' });
}
