// Records read on every request of a kind (an app's or consumer's client metadata, checked on every token
// and introspection request; the app shown on every journey page), kept for a short time. The repository
// that caches also forgets: its own writes drop the record at once; a change made by another process (the
// CLI) is seen within `ttlMs`. Only found records are kept, so a newly registered app works at once.

export interface TtlCache<T> {
  get(key: string, load: () => Promise<T | undefined>): Promise<T | undefined>;
  forget(key: string): void;
}

export function ttlCache<T>(ttlMs = 10_000, maxEntries = 10_000): TtlCache<T> {
  const entries = new Map<string, { value: T; expiresAt: number }>();
  return {
    async get(key, load) {
      const now = Date.now();
      const cached = entries.get(key);
      if (cached && cached.expiresAt > now) return cached.value;
      const value = await load();
      if (value !== undefined) {
        if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
        entries.set(key, { value, expiresAt: now + ttlMs });
      } else {
        entries.delete(key);
      }
      return value;
    },
    forget(key) {
      entries.delete(key);
    },
  };
}
