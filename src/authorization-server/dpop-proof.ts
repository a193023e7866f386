// Checks a DPoP proof presented with a DPoP-bound access token at one of Keyturn's protected resources
// (RFC 9449 §4.3 and §7.1): a `dpop+jwt` signed with the public key in its header, for this method and
// URL (`htm`, `htu`), for this access token (`ath`), made just now (`iat`), never seen before (`jti`), and
// signed by the key the token is bound to (its `jkt`, the RFC 7638 thumbprint).
import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify } from 'jose';
import { dpopSigningAlgorithms } from './security-profile.ts';

/** How far a proof's `iat` may lie from the resource's clock, either way (RFC 9449 §11.1). */
export const proofWindowSeconds = 60;

/** What is wrong with a proof, one stable code per check. */
export type ProofProblem = 'count' | 'signature' | 'htm' | 'htu' | 'iat' | 'ath' | 'key' | 'jti' | 'replayed';

/** A proof that does not prove possession of the token's key. */
export class DpopProofRefused extends Error {
  constructor(readonly problem: ProofProblem) {
    super(`DPoP proof refused: ${problem}`);
    this.name = 'DpopProofRefused';
  }
}

export interface ProofCheck {
  /** The `DPoP` header values the request carried. */
  proofs: string[];
  method: string;
  /** The request's URL as the app addressed it (the issuer's origin). */
  url: string;
  accessToken: string;
  /** The thumbprint of the key the access token is bound to. */
  jkt: string;
  /** False when the `jti` was already used (a replay); records it for `seconds` otherwise. */
  firstUse(jti: string, seconds: number): Promise<boolean>;
  /** Seconds since the epoch. */
  now?: number;
}

const withoutQuery = (value: string): string | undefined => {
  const url = URL.parse(value);
  if (!url) return undefined;
  url.search = '';
  url.hash = '';
  return url.href;
};

/** Resolves when the proof holds; throws DpopProofRefused naming the first problem otherwise. */
export async function verifyDpopProof(check: ProofCheck): Promise<void> {
  if (check.proofs.length !== 1) throw new DpopProofRefused('count');
  const [proof = ''] = check.proofs;
  let verified: Awaited<ReturnType<typeof jwtVerify>>;
  try {
    verified = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: [...dpopSigningAlgorithms],
    });
  } catch {
    throw new DpopProofRefused('signature');
  }
  const { payload, protectedHeader } = verified;
  const now = check.now ?? Math.floor(Date.now() / 1000);
  if (payload.htm !== check.method) throw new DpopProofRefused('htm');
  if (typeof payload.htu !== 'string' || withoutQuery(payload.htu) !== withoutQuery(check.url))
    throw new DpopProofRefused('htu');
  if (typeof payload.iat !== 'number' || Math.abs(now - payload.iat) > proofWindowSeconds)
    throw new DpopProofRefused('iat');
  if (payload.ath !== createHash('sha256').update(check.accessToken).digest('base64url'))
    throw new DpopProofRefused('ath');
  if (!protectedHeader.jwk || (await calculateJwkThumbprint(protectedHeader.jwk, 'sha256')) !== check.jkt)
    throw new DpopProofRefused('key');
  if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256)
    throw new DpopProofRefused('jti');
  // Remembered for as long as a proof with this `iat` could be accepted at all.
  if (!(await check.firstUse(payload.jti, 2 * proofWindowSeconds))) throw new DpopProofRefused('replayed');
}
