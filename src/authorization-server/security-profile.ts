// The security profiles an app is registered with: `default` (client secret, PAR and DPoP by choice) or
// `fapi2`, the FAPI 2.0 Security Profile: pushed authorization requests (RFC 9126), `private_key_jwt`
// client authentication (RFC 7523), PKCE S256, DPoP sender-constrained tokens (RFC 9449) and ID tokens
// signed PS256 (the profile allows PS256, ES256 or EdDSA only).
// The profiles themselves are declared once, with the app they belong to (../storage/apps.ts).
import { hash, hkdfSync } from 'node:crypto';

/** The FAPI 2.0 Security Profile's algorithms: PS256, ES256 or EdDSA with Ed25519 (`Ed25519`, RFC 9864). */
export const clientAuthSigningAlgorithms = ['PS256', 'ES256', 'EdDSA', 'Ed25519'] as const;

/** The algorithms a DPoP proof may be signed with (RFC 9449 §5.1 `dpop_signing_alg_values_supported`). */
export const dpopSigningAlgorithms = ['ES256', 'PS256', 'EdDSA', 'Ed25519'] as const;

/**
 * What ID tokens may be signed with: RS256 for default apps (OpenID Connect's default) and the profile's
 * algorithms; discovery advertises those the installation's keys can sign.
 */
export const idTokenSigningAlgorithms = ['RS256', ...clientAuthSigningAlgorithms] as const;

/** The algorithm a FAPI 2.0 app's ID tokens are signed with (`id_token_signed_response_alg`). */
export const fapiIdTokenSigningAlgorithm = 'PS256';

type Jwk = Record<string, unknown>;

const signsWith = (key: Jwk, alg: string) =>
  key.kty === 'RSA' &&
  (key.use === undefined || key.use === 'sig') &&
  (key.alg === undefined || key.alg === alg);

/**
 * The installation's signing keys, able to sign PS256. An RSA key pinned to RS256 (as generated keys are)
 * signs only RS256; when no key of the set may sign PS256, each such key is published a second time,
 * pinned to PS256 under a `kid` of its own, so default apps' ID tokens stay RS256 under the key they know.
 */
export function withFapiSigningKeys(jwks: { keys: Jwk[] }): { keys: Jwk[] } {
  if (jwks.keys.some((key) => signsWith(key, fapiIdTokenSigningAlgorithm))) return jwks;
  const twins = jwks.keys
    .filter((key) => key.alg === 'RS256' && signsWith(key, 'RS256'))
    .map((key) => ({
      ...key,
      alg: fapiIdTokenSigningAlgorithm,
      kid: `${typeof key.kid === 'string' ? key.kid : hash('sha256', `${key.n}`, 'base64url')}-ps256`,
    }));
  return { keys: [...jwks.keys, ...twins] };
}

/**
 * The secret DPoP nonces are made from (RFC 9449 §8). Every instance holds the same cookie keys, so each
 * derives the same secret and accepts a nonce another one issued; the derivation keeps it apart from them.
 */
export function dpopNonceSecret(cookieKeys: readonly string[]): Buffer {
  const [newest] = cookieKeys;
  if (!newest) throw new Error('cookie keys are required to derive the DPoP nonce secret');
  return Buffer.from(hkdfSync('sha256', newest, 'keyturn', 'dpop nonce secret', 32));
}

/** The oidc-provider client metadata property holding an app's security profile. */
export const securityProfileProperty = 'keyturn_security_profile';

/** oidc-provider's `features.fapi.profile` for a client: FAPI 2.0 for a `fapi2` app, none otherwise. */
export function fapiProfileOf(
  client: { metadata(): Record<string, unknown> } | undefined,
): '2.0' | undefined {
  return client?.metadata()[securityProfileProperty] === 'fapi2' ? '2.0' : undefined;
}
