// Records read on every request of a kind, through a small time-bounded cache: client metadata for client
// authentication (every token and introspection request) and the app shown on every journey page. Only
// found records are cached (a newly registered app works at once); a change made by another process (the
// CLI) is seen within `ttlMs`. Tokens and clearances are never cached: a revoked token must never
// introspect active.

export type Lookup<T> = (key: string) => Promise<T | undefined>;

export function cachedLookup<T>(load: Lookup<T>, ttlMs = 10_000, maxEntries = 10_000): Lookup<T> {
  const entries = new Map<string, { value: T; expiresAt: number }>();
  return async (key: string) => {
    const now = Date.now();
    const cached = entries.get(key);
    if (cached && cached.expiresAt > now) return cached.value;
    const value = await load(key);
    if (value !== undefined) {
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
      entries.set(key, { value, expiresAt: now + ttlMs });
    } else {
      entries.delete(key);
    }
    return value;
  };
}
