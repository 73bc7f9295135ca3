/** Every Redis key repogate uses, built in one place. */
export const redisKeys = {
  document: (cacheKey: string): string => `repogate:doc:${cacheKey}`,
  lock: (cacheKey: string): string => `repogate:lock:${cacheKey}`,
  changes: 'repogate:registry-changes',
} as const;
