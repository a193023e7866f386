// The FAPI 2.0 variant of the demo app (development only): a relying party of the FAPI 2.0 Security
// Profile written with openid-client 6 directly. It pushes its authorization request (PAR, RFC 9126),
// authenticates with a signed client assertion (`private_key_jwt`, RFC 7523), uses PKCE S256 (RFC 7636),
// redeems the code with a DPoP proof and calls GET /v1/authorization with its DPoP-bound token (RFC 9449).
import Router from '@koa/router';
import type { Context } from 'koa';
import * as oauth from 'openid-client';
import type { AuthorizationStatus } from '../../client/index.ts';
import { dataPoints } from '../../domain/data-points.ts';
import { brands, findBrand } from '../../domain/vehicles/brands.ts';
import { isLocale, type Locale, translator } from '../../i18n/index.ts';
import { render } from '../../web/views.ts';
import { grantedAccess, rejectedReason } from '../demo/app.ts';
import type { FapiDemoKeys } from './keys.ts';
import { type FapiDemoSessions, fapiDemoSessions } from './sessions.ts';

export const fapiDemoClientId = 'demo-fapi-app';
export const fapiDemoPath = '/demo-fapi';
export const fapiDemoRedirectPath = `${fapiDemoPath}/callback`;

export interface FapiDemoOptions {
  issuer: string;
  clientId: string;
  keys: FapiDemoKeys;
  sessions?: FapiDemoSessions;
}

/** What every page of the variant hands the demo's page frame: its own name and home. */
const frame = { appNameKey: 'demo_fapi:app_name', homeHref: fapiDemoPath };

interface Relying {
  configuration: oauth.Configuration;
  dpop: oauth.DPoPHandle;
}

/**
 * Discovers Keyturn once, on first use, as a client that signs its assertions with the app's key; the DPoP
 * handle signs every proof with the app's DPoP key. Plain http is allowed: this runs in development only.
 */
function lazyRelyingParty(options: FapiDemoOptions): () => Promise<Relying> {
  let relying: Promise<Relying> | undefined;
  async function discover(): Promise<Relying> {
    const configuration = await oauth.discovery(
      new URL(options.issuer),
      options.clientId,
      undefined,
      oauth.PrivateKeyJwt({ key: options.keys.signing.privateKey, kid: options.keys.signing.kid }),
      { execute: [oauth.allowInsecureRequests] },
    );
    return { configuration, dpop: oauth.getDPoPHandle(configuration, options.keys.dpop) };
  }
  return function relyingParty() {
    relying ??= discover().catch((error: unknown) => {
      relying = undefined;
      throw error;
    });
    return relying;
  };
}

/** The OAuth error Keyturn answered (code and description), or the failure's one-line message; no stack. */
function oauthFailure(error: unknown): string {
  if (error instanceof oauth.AuthorizationResponseError || error instanceof oauth.ResponseBodyError)
    return error.error_description ? `${error.error}: ${error.error_description}` : error.error;
  return error instanceof Error ? error.message : String(error);
}

const localeOf = (ctx: Context): Locale => (isLocale(ctx.state.locale) ? ctx.state.locale : 'en');

function isAccessDenied(error: unknown): boolean {
  return error instanceof oauth.AuthorizationResponseError && error.error === 'access_denied';
}

export function fapiDemoRouter(options: FapiDemoOptions): Router {
  const router = new Router({ prefix: fapiDemoPath });
  const relyingParty = lazyRelyingParty(options);
  const sessions = options.sessions ?? fapiDemoSessions();
  const redirectUri = `${options.issuer}${fapiDemoRedirectPath}`;
  const statusUrl = new URL(`${options.issuer}/v1/authorization`);

  const failed = (ctx: Context, error: string, status: number) =>
    render(ctx, 'demo-fapi/result.njk', { ...frame, error }, status);

  router.get('/', (ctx) =>
    render(ctx, 'demo-fapi/home.njk', {
      ...frame,
      brands: brands.map(({ id, name }) => ({ id, name })),
    }),
  );

  // RFC 9126 §2: the parameters go to the pushed authorization request endpoint, authenticated with the
  // client assertion and bound to the DPoP key (`dpop_jkt`, RFC 9449 §10); the browser gets only
  // `client_id` and the `request_uri` Keyturn answered.
  router.get('/connect', async (ctx) => {
    const codeVerifier = oauth.randomPKCECodeVerifier();
    const state = oauth.randomState();
    const brand = typeof ctx.query.brand === 'string' ? findBrand(ctx.query.brand)?.id : undefined;
    let url: URL;
    try {
      const { configuration, dpop } = await relyingParty();
      url = await oauth.buildAuthorizationUrlWithPAR(
        configuration,
        {
          redirect_uri: redirectUri,
          scope: dataPoints.join(' '),
          code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
          code_challenge_method: 'S256',
          state,
          ...(isLocale(ctx.query.locale) ? { locale: ctx.query.locale } : {}),
          ...(brand ? { brand } : {}),
        },
        { DPoP: dpop },
      );
    } catch (error) {
      return failed(ctx, oauthFailure(error), 502);
    }
    const requestUri = url.searchParams.get('request_uri') ?? '';
    sessions.start(ctx, { pending: { codeVerifier, state, requestUri } });
    ctx.redirect(url.href);
  });

  // RFC 9449 §5: the code is redeemed with a DPoP proof of the same key, so the tokens are bound to it.
  router.get('/callback', async (ctx) => {
    const pending = sessions.find(ctx)?.pending;
    // The pending authorization is used once, whatever the outcome.
    sessions.end(ctx);
    if (!pending) return failed(ctx, translator(localeOf(ctx))('demo_fapi:result.no_pending'), 400);
    // The redirect URI Keyturn has registered is the one the code was issued for, whatever host this runs on.
    const callback = new URL(redirectUri);
    callback.search = new URL(ctx.originalUrl, options.issuer).search;
    try {
      const { configuration, dpop } = await relyingParty();
      const tokens = await oauth.authorizationCodeGrant(
        configuration,
        callback,
        { pkceCodeVerifier: pending.codeVerifier, expectedState: pending.state },
        undefined,
        { DPoP: dpop },
      );
      sessions.start(ctx, {
        tokens: {
          accessToken: tokens.access_token,
          tokenType: tokens.token_type,
          requestUri: pending.requestUri,
        },
      });
      ctx.redirect(`${fapiDemoPath}/result`);
    } catch (error) {
      // RFC 6749 §4.1.2.1: `access_denied` is the owner's own choice (Deny or Cancel), not a failure.
      if (isAccessDenied(error)) return render(ctx, 'demo/denied.njk', frame);
      failed(ctx, oauthFailure(error), 400);
    }
  });

  router.get('/result', async (ctx) => {
    const tokens = sessions.find(ctx)?.tokens;
    if (!tokens) return ctx.redirect(fapiDemoPath);
    let status: AuthorizationStatus | undefined;
    let tokenRejected = false;
    let error: string | undefined;
    try {
      const { configuration, dpop } = await relyingParty();
      // The DPoP handle adds `Authorization: DPoP <token>` and a fresh proof for this method and URL.
      const response = await oauth.fetchProtectedResource(
        configuration,
        tokens.accessToken,
        statusUrl,
        'GET',
        undefined,
        undefined,
        { DPoP: dpop },
      );
      if (response.ok) status = (await response.json()) as AuthorizationStatus;
      else error = `HTTP ${response.status}`;
    } catch (failure) {
      // 401 with a DPoP challenge: Keyturn no longer accepts the token (revoked by the owner, or expired).
      if (!(failure instanceof oauth.WWWAuthenticateChallengeError)) throw failure;
      tokenRejected = failure.status === 401;
      if (!tokenRejected) error = `HTTP ${failure.status}`;
    }
    render(ctx, 'demo-fapi/result.njk', {
      ...frame,
      status,
      brandName: status?.brand && (findBrand(status.brand)?.name ?? status.brand),
      granted: status && grantedAccess(status.scope),
      tokenRejected,
      error,
      refreshHref: `${fapiDemoPath}/result`,
      rejectedReason: status?.status === 'rejected' ? rejectedReason(status.vehicle_status) : undefined,
      approvedNote: 'demo_fapi:result.approved_note',
      fapi: {
        requestUri: tokens.requestUri,
        tokenType: tokens.tokenType,
        kid: options.keys.signing.kid,
        thumbprint: options.keys.dpopThumbprint,
      },
    });
  });

  return router;
}
