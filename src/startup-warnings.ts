import type { Config } from './config.js';

/** A warning the server logs once it listens: what an operator should fix or know in the first minutes. */
export interface StartupWarning {
  readonly code: 'UPSTREAM_CREDENTIALS_MISSING' | 'REGISTRY_CREATED';
  readonly message: string;
  /** The environment variables that change it. */
  readonly variables: readonly string[];
}

/**
 * The warnings of this start: no upstream credentials (repogate still starts, on the embedded
 * defaults, and the upstream will refuse it), and a registry that was created just now (the wrong
 * working directory makes a new `./data`, whose keys are not the ones handed out).
 */
export function startupWarnings(config: Config, registry: { readonly created: boolean; readonly location: string }): StartupWarning[] {
  const warnings: StartupWarning[] = [];
  if (config.upstream.username === undefined || config.upstream.password === undefined) {
    warnings.push({
      code: 'UPSTREAM_CREDENTIALS_MISSING',
      message:
        `no upstream credentials: set REPOGATE_UPSTREAM_USERNAME and REPOGATE_UPSTREAM_PASSWORD to the organisation's public and private key for ${config.upstream.url}; ` +
        'until then repogate asks the upstream without credentials, and an upstream that requires them refuses every request (502 UPSTREAM_AUTH)',
      variables: ['REPOGATE_UPSTREAM_USERNAME', 'REPOGATE_UPSTREAM_PASSWORD'],
    });
  }
  if (registry.created) {
    warnings.push({
      code: 'REGISTRY_CREATED',
      message: `created a new, empty registry at ${registry.location}: no accounts or keys yet (if you expected existing ones, set REPOGATE_DATA_DIR or REPOGATE_DATABASE_URL to the registry that has them)`,
      variables: ['REPOGATE_DATA_DIR', 'REPOGATE_DATABASE_URL'],
    });
  }
  return warnings;
}
