// The security profiles an app is registered with: `default` (client secret, PAR and DPoP by choice) or
// `fapi2`, the FAPI 2.0 Security Profile: pushed authorization requests (RFC 9126), `private_key_jwt`
// client authentication (RFC 7523), PKCE S256 and DPoP sender-constrained tokens (RFC 9449).
// The profiles themselves are declared once, with the app they belong to (../storage/apps.ts).
import { hkdfSync } from 'node:crypto';

/** The FAPI 2.0 Security Profile's algorithms: PS256, ES256 or EdDSA with Ed25519 (`Ed25519`, RFC 9864). */
export const clientAuthSigningAlgorithms = ['PS256', 'ES256', 'EdDSA', 'Ed25519'] as const;

/** The algorithms a DPoP proof may be signed with (RFC 9449 §5.1 `dpop_signing_alg_values_supported`). */
export const dpopSigningAlgorithms = ['ES256', 'PS256', 'EdDSA', 'Ed25519'] as const;

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
