// The demo third-party app (development only): a real relying party built with openid-client that starts
// the consent journey with PKCE, receives the code at its redirect URI and shows the token's status, and
// below it the webhooks it received lately.
import Router from '@koa/router';
import type { Context } from 'koa';
import * as oauth from 'openid-client';
import { dataPoints } from '../../domain/data-points.ts';
import { brands, findBrand } from '../../domain/vehicles/brands.ts';
import { isLocale } from '../../i18n/index.ts';
import { render } from '../../web/views.ts';
import type { ReceivedEvents } from './received-events.ts';
import { demoStylesheetPath, serveDemoStylesheet } from './stylesheet.ts';

export interface DemoOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  events: ReceivedEvents;
}

export const demoClientId = 'demo-app';
/** The parts of Keyturn's `GET /v1/authorization` answer the result page reads. */
interface AuthorizationStatus {
  status: string;
  vehicle_status?: string;
  brand?: string;
}
export const demoRedirectPath = '/demo/callback';
export const demoPrivacyPath = '/demo/privacy';
export const demoTermsPath = '/demo/terms';
const flowCookie = 'demo.flow';
const tokenCookie = 'demo.token';
const cookieOptions = { signed: true, httpOnly: true, sameSite: 'lax' as const, overwrite: true };

/** The received webhooks as the pages' table shows them, times in UTC in the page's language. */
function eventRows(events: ReceivedEvents, ctx: Context) {
  const time = new Intl.DateTimeFormat(ctx.state.locale ?? 'en', {
    dateStyle: 'short',
    timeStyle: 'medium',
    timeZone: 'UTC',
  });
  return events.recent().map((event) => ({
    ...event,
    at: event.receivedAt.toISOString(),
    time: time.format(event.receivedAt),
  }));
}

/**
 * What the callback's error page shows: the OAuth error code (and its description) the consent page
 * returned, or the failure's one-line message; never a stack.
 */
function callbackError(error: unknown): string {
  if (error instanceof oauth.AuthorizationResponseError) {
    return error.error_description ? `${error.error}: ${error.error_description}` : error.error;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The locale key that says in plain words why the maker rejected the clearance. */
function rejectedReason(vehicleStatus: string | undefined): string {
  if (vehicleStatus === 'wrong_tracker_id') return 'demo:result.rejected.vin_unknown';
  if (vehicleStatus === 'error_rejected') return 'demo:result.rejected.owner_rejected';
  return 'demo:result.rejected.other';
}

export function demoRouter(options: DemoOptions): Router {
  const router = new Router({ prefix: '/demo' });
  let discovered: Promise<oauth.Configuration> | undefined;
  const configuration = () => {
    discovered ??= oauth
      .discovery(
        new URL(options.issuer),
        options.clientId,
        undefined,
        oauth.ClientSecretBasic(options.clientSecret),
        {
          execute: options.issuer.startsWith('http:') ? [oauth.allowInsecureRequests] : [],
        },
      )
      .catch((error) => {
        discovered = undefined;
        throw error;
      });
    return discovered;
  };
  const redirectUri = `${options.issuer}${demoRedirectPath}`;

  router.get(demoStylesheetPath, serveDemoStylesheet);

  router.get('/', (ctx) =>
    render(ctx, 'demo/home.njk', {
      connectHref: '/demo/connect',
      brands: brands.map(({ id, name }) => ({ id, name })),
      events: eventRows(options.events, ctx),
      eventsRefreshHref: '/demo#events',
    }),
  );

  // The demo's privacy policy and terms, registered with the app and linked from the consent journey.
  router.get('/privacy', (ctx) => render(ctx, 'demo/legal.njk', { page: 'privacy' }));
  router.get('/terms', (ctx) => render(ctx, 'demo/legal.njk', { page: 'terms' }));

  router.get('/connect', async (ctx) => {
    const verifier = oauth.randomPKCECodeVerifier();
    const state = oauth.randomState();
    ctx.cookies.set(flowCookie, JSON.stringify({ verifier, state }), cookieOptions);
    const parameters: Record<string, string> = {
      redirect_uri: redirectUri,
      scope: dataPoints.join(' '),
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    };
    if (isLocale(ctx.query.locale)) parameters.locale = ctx.query.locale;
    if (typeof ctx.query.brand === 'string' && ctx.query.brand) parameters.brand = ctx.query.brand;
    ctx.redirect(oauth.buildAuthorizationUrl(await configuration(), parameters).href);
  });

  router.get('/callback', async (ctx: Context) => {
    const flow = JSON.parse(ctx.cookies.get(flowCookie, { signed: true }) ?? '{}') as {
      verifier?: string;
      state?: string;
    };
    ctx.cookies.set(flowCookie, null);
    try {
      const tokens = await oauth.authorizationCodeGrant(
        await configuration(),
        new URL(ctx.originalUrl, options.issuer),
        {
          pkceCodeVerifier: flow.verifier,
          expectedState: flow.state,
        },
      );
      ctx.cookies.set(tokenCookie, tokens.access_token, cookieOptions);
      ctx.redirect('/demo/result');
    } catch (error) {
      // RFC 6749 §4.1.2.1: `access_denied` is the owner's own choice (Deny or Cancel), not a failure, so it
      // gets its own page. openid-client checks the state before it reports the error response.
      if (error instanceof oauth.AuthorizationResponseError && error.error === 'access_denied') {
        return render(ctx, 'demo/denied.njk', {});
      }
      render(ctx, 'demo/result.njk', { error: callbackError(error) }, 400);
    }
  });

  router.get('/result', async (ctx) => {
    const token = ctx.cookies.get(tokenCookie, { signed: true });
    if (!token) return ctx.redirect('/demo');
    const response = await fetch(`${options.issuer}/v1/authorization`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const status = response.ok ? ((await response.json()) as AuthorizationStatus) : undefined;
    // 401: Keyturn no longer accepts the token (revoked by the owner, or expired), which is no error of
    // the connection; any other failure is shown as it came.
    const tokenRejected = response.status === 401;
    render(ctx, 'demo/result.njk', {
      status,
      // The status names the brand by its id; the page shows the brand's own name.
      brandName: status?.brand && (findBrand(status.brand)?.name ?? status.brand),
      tokenRejected,
      error: response.ok || tokenRejected ? undefined : `HTTP ${response.status}`,
      refreshHref: '/demo/result',
      rejectedReason: status?.status === 'rejected' ? rejectedReason(status.vehicle_status) : undefined,
      events: eventRows(options.events, ctx),
      eventsRefreshHref: '/demo/result#events',
    });
  });

  return router;
}
