// Signs and verifies cookie values for Koa and oidc-provider (both take a Keygrip-shaped object as their
// cookie keys). Same signatures as Keygrip's defaults (HMAC-SHA1, URL-safe base64 without padding), so
// cookies stay valid across the change, and key rotation works the same: sign with the first key, accept
// any. Verification compares the signatures with crypto.timingSafeEqual: Keygrip's comparison (tsscmp)
// draws random bytes and computes two more HMACs per key, which made cookie checks a visible share of
// every journey page, and Koa built a new Keygrip for every request.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface CookieSigner {
  sign(data: string): string;
  verify(data: string, digest: string): boolean;
  /** The index of the key that made `digest`, or -1. */
  index(data: string, digest: string): number;
}

export function cookieSigner(keys: readonly string[]): CookieSigner {
  if (keys.length === 0) throw new Error('at least one cookie key is required');
  const signWith = (key: string, data: string) => createHmac('sha1', key).update(data).digest('base64url');
  const index = (data: string, digest: string) => {
    if (typeof digest !== 'string') return -1;
    const presented = Buffer.from(digest, 'utf8');
    for (let i = 0; i < keys.length; i++) {
      const expected = Buffer.from(signWith(keys[i] as string, data), 'utf8');
      if (presented.length === expected.length && timingSafeEqual(presented, expected)) return i;
    }
    return -1;
  };
  return {
    sign: (data) => signWith(keys[0] as string, data),
    verify: (data, digest) => index(data, digest) > -1,
    index,
  };
}
