// The demo third-party app (development only): a real relying party built with Keyturn's own client
// (`keyturn/client`, on openid-client) that starts the consent journey with PKCE, receives the code at its
// redirect URI and shows the token's status, and below it the webhooks it received lately.
import Router from '@koa/router';
import type { Context } from 'koa';
import { AuthorizationError, createKeyturnApp, KeyturnApiError } from '../../client/index.ts';
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
  return error instanceof Error ? error.message : String(error);
}

/**
 * The granted scope (RFC 6749 §3.3) as the page lists it: the data points in the catalogue's order, by the
 * names the consent page used; the protocol scopes (`openid`, `offline_access`) are no data and are left out,
 * `offline_access` only saying that the app stays connected.
 */
export function grantedAccess(scope: string | undefined): { dataPoints: string[]; staysConnected: boolean } {
  const granted = new Set((scope ?? '').split(' '));
  return {
    dataPoints: dataPoints.filter((id) => granted.has(id)),
    staysConnected: granted.has('offline_access'),
  };
}

/** The locale key that says in plain words why the maker rejected the clearance. */
export function rejectedReason(vehicleStatus: string | undefined): string {
  if (vehicleStatus === 'wrong_tracker_id') return 'demo:result.rejected.vin_unknown';
  if (vehicleStatus === 'error_rejected') return 'demo:result.rejected.owner_rejected';
  return 'demo:result.rejected.other';
}

export function demoRouter(options: DemoOptions): Router {
  const router = new Router({ prefix: '/demo' });
  const keyturn = createKeyturnApp({
    issuer: options.issuer,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    redirectUri: `${options.issuer}${demoRedirectPath}`,
    // Development only: Keyturn may run on plain http at any address here.
    allowInsecureHttp: true,
  });

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
    const request = await keyturn.authorizationUrl({
      scope: dataPoints.join(' '),
      locale: isLocale(ctx.query.locale) ? ctx.query.locale : undefined,
      brand: typeof ctx.query.brand === 'string' && ctx.query.brand ? ctx.query.brand : undefined,
    });
    const flow = { verifier: request.codeVerifier, state: request.state };
    ctx.cookies.set(flowCookie, JSON.stringify(flow), cookieOptions);
    ctx.redirect(request.url);
  });

  router.get('/callback', async (ctx: Context) => {
    const flow = JSON.parse(ctx.cookies.get(flowCookie, { signed: true }) ?? '{}') as {
      verifier?: string;
      state?: string;
    };
    ctx.cookies.set(flowCookie, null);
    try {
      const tokens = await keyturn.completeAuthorization(new URL(ctx.originalUrl, options.issuer), {
        codeVerifier: flow.verifier ?? '',
        state: flow.state ?? '',
      });
      ctx.cookies.set(tokenCookie, tokens.access_token, cookieOptions);
      ctx.redirect('/demo/result');
    } catch (error) {
      // RFC 6749 §4.1.2.1: `access_denied` is the owner's own choice (Deny or Cancel), not a failure, so it
      // gets its own page. The client checks the state before it reports the error response.
      if (error instanceof AuthorizationError && error.code === 'access_denied') {
        return render(ctx, 'demo/denied.njk', {});
      }
      render(ctx, 'demo/result.njk', { error: callbackError(error) }, 400);
    }
  });

  router.get('/result', async (ctx) => {
    const token = ctx.cookies.get(tokenCookie, { signed: true });
    if (!token) return ctx.redirect('/demo');
    let status: Awaited<ReturnType<typeof keyturn.authorizationStatus>> | undefined;
    let failure: KeyturnApiError | undefined;
    try {
      status = await keyturn.authorizationStatus(token);
    } catch (error) {
      if (!(error instanceof KeyturnApiError)) throw error;
      failure = error;
    }
    // 401: Keyturn no longer accepts the token (revoked by the owner, or expired), which is no error of
    // the connection; any other failure is shown as it came.
    const tokenRejected = failure?.status === 401;
    render(ctx, 'demo/result.njk', {
      status,
      // The status names the brand by its id; the page shows the brand's own name.
      brandName: status?.brand && (findBrand(status.brand)?.name ?? status.brand),
      granted: status && grantedAccess(status.scope),
      tokenRejected,
      error: failure && !tokenRejected ? `HTTP ${failure.status}` : undefined,
      refreshHref: '/demo/result',
      rejectedReason: status?.status === 'rejected' ? rejectedReason(status.vehicle_status) : undefined,
      events: eventRows(options.events, ctx),
      eventsRefreshHref: '/demo/result#events',
    });
  });

  return router;
}
