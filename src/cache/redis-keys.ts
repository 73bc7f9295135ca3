/** Every Redis key repogate uses, built in one place. */
export const redisKeys = {
  /** `namespace` tells upstreams apart when several repogate deployments share one Redis. */
  document: (namespace: string, cacheKey: string): string => `repogate:doc:${namespace}:${cacheKey}`,
  lock: (namespace: string, cacheKey: string): string => `repogate:lock:${namespace}:${cacheKey}`,
  changes: 'repogate:registry-changes',
} as const;
