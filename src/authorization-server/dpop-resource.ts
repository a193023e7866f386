// The access token a request to one of Keyturn's protected resources presents (RFC 6750 `Bearer`, or RFC
// 9449 `DPoP` with its proof). A token bound to a key (`jkt`) counts only with a valid proof of that key
// (§7.1); as `Bearer` it is refused with `invalid_token`. Refusals answer 401 with a `DPoP` challenge
// (§7.1), through the one error path.
import type { Context } from 'koa';
import type AuthorizationServer from 'oidc-provider';
import { Unauthorized } from '../errors.ts';
import { DpopProofRefused, verifyDpopProof } from './dpop-proof.ts';
import { dpopSigningAlgorithms } from './security-profile.ts';

const tokenPattern = /^(Bearer|DPoP) ([A-Za-z0-9\-._~+/]+=*)$/i;

export interface PresentedToken {
  scheme: 'bearer' | 'dpop';
  value: string;
}

export function presentedToken(ctx: Context): PresentedToken | undefined {
  const match = tokenPattern.exec(ctx.get('authorization'));
  if (!match?.[1] || !match[2]) return undefined;
  return { scheme: match[1].toLowerCase() === 'dpop' ? 'dpop' : 'bearer', value: match[2] };
}

/**
 * A token not accepted as presented: 401 with the RFC 9449 §7.1 error code and a `DPoP` challenge naming it
 * and the algorithms to use, so the app learns which scheme to send.
 */
export class DpopRefusal extends Unauthorized {
  constructor(code: 'invalid_token' | 'invalid_dpop_proof', messageKey: string) {
    super(code, {
      messageKey,
      challenge: `DPoP error="${code}", algs="${dpopSigningAlgorithms.join(' ')}"`,
    });
  }
}

/**
 * Accepts `token` as presented when it is bound to no key and came as `Bearer`, or is bound to `jkt` and
 * came as `DPoP` with a proof of that key for this request; throws DpopRefusal otherwise.
 */
export async function checkTokenBinding(
  ctx: Context,
  deps: { authorizationServer: AuthorizationServer; issuer: string },
  presented: PresentedToken,
  jkt: string | undefined,
): Promise<void> {
  if (!jkt) {
    if (presented.scheme === 'dpop') throw new DpopRefusal('invalid_token', 'dpop:token.not_bound');
    return;
  }
  if (presented.scheme !== 'dpop') throw new DpopRefusal('invalid_token', 'dpop:token.bound');
  // Node joins repeated headers with ", "; a JWT holds no comma, so each part is one proof.
  const header = ctx.get('dpop');
  try {
    await verifyDpopProof({
      proofs: header === '' ? [] : header.split(',').map((proof) => proof.trim()),
      method: ctx.method,
      url: `${deps.issuer}${ctx.path}`,
      accessToken: presented.value,
      jkt,
      firstUse: (jti, seconds) =>
        deps.authorizationServer.ReplayDetection.unique(
          `resource:${jkt}`,
          jti,
          Math.floor(Date.now() / 1000) + seconds,
        ),
    });
  } catch (error) {
    if (error instanceof DpopProofRefused)
      throw new DpopRefusal('invalid_dpop_proof', `dpop:proof.${error.problem}`);
    throw error;
  }
}
