// Client metadata for oidc-provider, read through a small time-bounded cache: client authentication runs on
// every token and introspection request. Only found clients are cached (a newly registered app works at
// once); a change made by another process (the CLI) is seen within `ttlMs`. Tokens and clearances are
// never cached: a revoked token must never introspect active.
import type { ClientLoader } from '../storage/oidc-adapter.ts';

export function cachedClientLoader(
  load: ClientLoader,
  ttlMs = 10_000,
  maxEntries = 10_000,
): ClientLoader & { forget(clientId: string): void } {
  const entries = new Map<string, { metadata: Record<string, unknown>; expiresAt: number }>();
  const loader = async (clientId: string) => {
    const now = Date.now();
    const cached = entries.get(clientId);
    if (cached && cached.expiresAt > now) return cached.metadata;
    const metadata = await load(clientId);
    if (metadata) {
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
      entries.set(clientId, { metadata, expiresAt: now + ttlMs });
    } else {
      entries.delete(clientId);
    }
    return metadata;
  };
  return Object.assign(loader, { forget: (clientId: string) => void entries.delete(clientId) });
}
