// The installation's ID-token signing keys as the authorization server gets them: a FAPI 2.0 app's ID token
// needs a key that may sign PS256, and a key pinned to RS256 is published a second time for it.
import { describe, expect, it } from 'vitest';
import { withFapiSigningKeys } from '../../src/authorization-server/security-profile.ts';

const rsa = { kty: 'RSA', n: 'modulus', e: 'AQAB', d: 'private' };

describe('withFapiSigningKeys', () => {
  it('adds a PS256 twin under `<kid>-ps256` for each RSA key pinned to RS256, after the originals', () => {
    const keys = [
      { ...rsa, kid: 'new', alg: 'RS256', use: 'sig' },
      { ...rsa, n: 'older', kid: 'old', alg: 'RS256', use: 'sig' },
    ];
    expect(withFapiSigningKeys({ keys }).keys).toEqual([
      ...keys,
      { ...keys[0], kid: 'new-ps256', alg: 'PS256' },
      { ...keys[1], kid: 'old-ps256', alg: 'PS256' },
    ]);
  });

  it.each([
    ['an RSA key with no alg', { ...rsa, kid: 'any' }],
    ['an RSA key pinned to PS256', { ...rsa, kid: 'ps', alg: 'PS256' }],
  ])('leaves a set holding %s as it is', (_name, key) => {
    const jwks = { keys: [{ ...rsa, kid: 'rs', alg: 'RS256' }, key] };
    expect(withFapiSigningKeys(jwks)).toEqual(jwks);
  });

  it('gives a twin of a key without kid a kid of its own, unlike the one computed for the original', () => {
    const [original, twin] = withFapiSigningKeys({ keys: [{ ...rsa, alg: 'RS256' }] }).keys;
    expect(original?.kid).toBeUndefined();
    expect(twin).toMatchObject({ alg: 'PS256', kid: expect.stringMatching(/^[\w-]{43}-ps256$/) });
  });

  it('twins no encryption key and no key of another type', () => {
    const keys = [
      { ...rsa, kid: 'enc', alg: 'RS256', use: 'enc' },
      { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd', kid: 'ec', alg: 'ES256' },
    ];
    expect(withFapiSigningKeys({ keys }).keys).toEqual(keys);
  });
});
