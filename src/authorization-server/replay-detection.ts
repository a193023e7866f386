// "This `jti` once": the replay check of DPoP proofs (RFC 9449 §11.1) and client assertions (RFC 7523 §3,
// item 7) as one atomic claim in the artifact table; neither two requests nor two instances accept it twice.
import { hash } from 'node:crypto';
import type AuthorizationServer from 'oidc-provider';
import type { OidcPayloadsRepository } from '../storage/oidc-payloads.ts';

const model = 'ReplayDetection';

/**
 * oidc-provider's `ReplayDetection.unique(iss, jti, exp)` looks the key up and then saves it: two requests
 * carrying the same `jti` can both find nothing and both be accepted. This replaces it with one claim of
 * the same key the library computes (SHA-256 of issuer and `jti`, base64url), held until `exp` (epoch
 * seconds). Keyturn's own resource servers check their DPoP proofs through the same method.
 */
export function replayDetectedAtomically(
  authorizationServer: AuthorizationServer,
  payloads: OidcPayloadsRepository,
): void {
  authorizationServer.ReplayDetection.unique = async function unique(iss: string, jti: string, exp: number) {
    const id = hash('sha256', `${iss}${jti}`, 'base64url');
    const iat = Math.floor(Date.now() / 1000);
    const payload = JSON.stringify({ iss, jti: id, kind: model, iat, exp });
    return payloads.claimOnce(model, id, payload, exp * 1000);
  };
}
