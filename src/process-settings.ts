import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { collectStreamingGarbage, type MinorCollection } from './http/streaming-garbage.js';

/**
 * V8 settings of the server process, applied by `runServe` (so `npm start`, `repogate serve` and the
 * image alike) before anything is served, rather than as node options that each way of starting it
 * would have to repeat. They keep a streamed archive's memory flat with V8's default young
 * generation (bench/README.md, "Memory"):
 *
 * - WebAssembly stays on V8's baseline compiler. The only WebAssembly here is undici's HTTP parser
 *   (metadata requests to the upstream); tiering it up ran an optimising compile that took ~35 MiB
 *   for a moment, whenever it happened — during the first large download, in the benchmark.
 * - Archive streams and release downloads get V8's `gc` to ask for young-generation collections
 *   (http/streaming-garbage.ts). Exposed through a context of its own, as `--expose-gc` would, without putting `gc` on the
 *   global object; when node already runs with `--expose-gc`, that one is used.
 */
export function applyServerProcessSettings(): void {
  setFlagsFromString('--no-wasm-dynamic-tiering');
  setFlagsFromString('--no-wasm-tier-up');
  collectStreamingGarbage(exposedGc());
}

function exposedGc(): MinorCollection | undefined {
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
  return typeof gc === 'function' ? (gc as MinorCollection) : undefined;
}
