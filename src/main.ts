/**
 * Composition root and process entry: `npm start` / `repogate serve`.
 * (Filled in by the proxy work; for now it opens the registry and serves /healthz.)
 */
export async function runServe(): Promise<void> {
  throw new Error('not yet wired');
}
