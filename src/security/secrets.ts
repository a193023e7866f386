// Random secrets and their at-rest form. Client secrets and one-time links are 256-bit random values, so a
// single SHA-256 is the right hash (no slow KDF needed); comparison is constant-time.
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'base64url');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** True when `presented` hashes to `storedHash`, in constant time. */
export function secretMatches(presented: unknown, storedHash: string): boolean {
  return typeof presented === 'string' && constantTimeEqual(hashSecret(presented), storedHash);
}
