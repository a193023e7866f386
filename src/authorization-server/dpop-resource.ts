// The access token a request to one of Keyturn's protected resources presents (RFC 6750 `Bearer`, or RFC
// 9449 `DPoP` with its proof). A token bound to a key (`jkt`) counts only with a valid proof of that key
// (§7.1); as `Bearer` it is refused with `invalid_token`. Refusals answer 401 with a `DPoP` challenge
// (§7.1), so the app learns which scheme and algorithms to use.
import type { Context } from 'koa';
import type AuthorizationServer from 'oidc-provider';
import { type Locale, translator } from '../i18n/index.ts';
import { fromAcceptLanguage, negotiateLocale } from '../i18n/negotiate.ts';
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

/** Why a token was not accepted: the RFC 9449 §7.1 error code to send and the message key saying why. */
export class DpopRefusal extends Error {
  constructor(
    readonly code: 'invalid_token' | 'invalid_dpop_proof',
    readonly messageKey: string,
  ) {
    super(`${code}: ${messageKey}`);
    this.name = 'DpopRefusal';
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

/** Answers a refusal: 401, a `DPoP` challenge naming the error and the algorithms, a localized message. */
export function answerDpopRefusal(ctx: Context, refusal: DpopRefusal): void {
  const locale =
    (ctx.state.locale as Locale | undefined) ??
    negotiateLocale(undefined, undefined, fromAcceptLanguage(ctx.get('accept-language')));
  ctx.status = 401;
  ctx.set('Cache-Control', 'no-store');
  ctx.set('WWW-Authenticate', `DPoP error="${refusal.code}", algs="${dpopSigningAlgorithms.join(' ')}"`);
  ctx.body = {
    error: refusal.code,
    error_description: translator(locale)(refusal.messageKey),
  };
}
