// The cookie signer must produce Keygrip's signatures (cookies issued before it stay valid) and accept a
// signature only from one of its keys, for exactly the data it was made for.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cookieSigner } from '../../src/security/cookie-signer.ts';

// Keygrip's format, computed independently: HMAC-SHA1, base64 with / → _, + → -, and no padding.
const keygripSignature = (key: string, data: string) =>
  createHmac('sha1', key)
    .update(data)
    .digest('base64')
    .replace(/\//g, '_')
    .replace(/\+/g, '-')
    .replace(/=/g, '');

describe('cookieSigner', () => {
  const signer = cookieSigner(['current-key', 'previous-key']);

  it('signs with the first key exactly as Keygrip does', () => {
    for (const data of ['_csrf=abc', 'keyturn.session=e30', 'ü/+=?', '']) {
      expect(signer.sign(data)).toBe(keygripSignature('current-key', data));
    }
  });

  it('accepts a signature made with any of its keys and says which one', () => {
    expect(signer.index('a=1', keygripSignature('current-key', 'a=1'))).toBe(0);
    expect(signer.index('a=1', keygripSignature('previous-key', 'a=1'))).toBe(1);
    expect(signer.verify('a=1', keygripSignature('previous-key', 'a=1'))).toBe(true);
  });

  it('refuses other data, other keys, truncated or extended signatures, and non-strings', () => {
    const good = signer.sign('a=1');
    expect(signer.verify('a=2', good)).toBe(false);
    expect(signer.verify('a=1', keygripSignature('someone-else', 'a=1'))).toBe(false);
    expect(signer.verify('a=1', good.slice(0, -1))).toBe(false);
    expect(signer.verify('a=1', `${good}A`)).toBe(false);
    expect(signer.index('a=1', '')).toBe(-1);
    expect(signer.index('a=1', undefined as unknown as string)).toBe(-1);
  });

  it('needs at least one key', () => {
    expect(() => cookieSigner([])).toThrow(/cookie key/);
  });
});
