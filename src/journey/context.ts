// Loads everything a journey step needs: the oidc-provider interaction (bound to this browser by its
// cookie), the app asking, and the journey's progress. An unknown or expired interaction is a
// localized "this link has expired" page, never a 500; a database that cannot be reached is a 503 (the
// interaction may be fine). `?lang=` switches the journey's language in place. An owner known from the
// browser's login session is named on every page ("Continuing as …"), so someone else can say "Not you?".
import type { Context, Next } from 'koa';
import type AuthorizationServer from 'oidc-provider';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { provenBy } from '../domain/auth-methods.ts';
import { type RequestedVehicleData, requestedVehicleData } from '../domain/vehicle-data-details.ts';
import { InteractionExpired } from '../errors.ts';
import { isLocale, type Locale } from '../i18n/index.ts';
import { firstSupported, fromAcceptLanguage, negotiateLocale } from '../i18n/negotiate.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { App, AppsRepository } from '../storage/apps.ts';
import type { Journey, JourneysRepository } from '../storage/journeys.ts';
import { presetBrand } from './requested-vehicle.ts';
import { maskedEmail } from './requester.ts';

export interface InteractionView {
  uid: string;
  prompt: { name: string; reasons?: string[] };
  params: Record<string, unknown>;
  session?: { accountId?: string; amr?: string[] };
  returnTo: string;
  exp: number;
  result?: Record<string, unknown>;
  save(ttlSeconds: number): Promise<unknown>;
}

export interface JourneyState {
  journey: Journey;
  interaction: InteractionView;
  app: App;
  /** The data points the app asked for (those it may have): as scopes, or in its `vehicle_data` detail. */
  requestedScopes: string[];
  /** The app's `vehicle_data` authorization detail (RFC 9396), when it asked for data points that way. */
  requestedDetail?: RequestedVehicleData;
  /** The owner this browser's login session proves, masked ("m…@example.com"), while the journey uses them. */
  continuingAs?: string;
}

export interface JourneyDependencies {
  authorizationServer: AuthorizationServer;
  apps: AppsRepository;
  journeys: JourneysRepository;
  accounts: AccountsRepository;
}

export function journeyOf(ctx: Context): JourneyState {
  return ctx.state.journeyState as JourneyState;
}

async function expiredPage(deps: JourneyDependencies, uid: string): Promise<never> {
  const stale = await deps.journeys.find(uid);
  const app = stale ? await deps.apps.find(stale.clientId) : undefined;
  const returnTo = app?.redirectUris[0] ? new URL(app.redirectUris[0]).origin : undefined;
  throw new InteractionExpired(returnTo);
}

export function loadJourney(deps: JourneyDependencies) {
  return async function loadJourney(ctx: Context, next: Next) {
    const uid = ctx.params.uid as string;
    let details: InteractionView;
    try {
      details = (await deps.authorizationServer.interactionDetails(
        ctx.req,
        ctx.res,
      )) as unknown as InteractionView;
    } catch (error) {
      // Only a missing or ended interaction has expired; an outage would tell the owner to start over.
      if (isDatabaseUnavailable(error)) throw error;
      return expiredPage(deps, uid);
    }
    if (details.uid !== uid) return expiredPage(deps, uid);
    const params = details.params;
    const app = await deps.apps.find(String(params.client_id));
    if (!app) return expiredPage(deps, uid);

    const session = details.prompt.name === 'login' ? undefined : details.session;
    // A browser whose session proves an account (see the login policy) starts at brand selection, in the
    // owner's own country.
    const proof = provenBy(session?.amr);
    const sessionAccount =
      session?.accountId && proof ? await deps.accounts.find(session.accountId) : undefined;
    let journey = await deps.journeys.findOrStart({
      uid,
      clientId: app.clientId,
      locale: negotiateLocale(
        isLocale(params.locale) ? params.locale : undefined,
        firstSupported(params.ui_locales as string | undefined),
        fromAcceptLanguage(ctx.get('accept-language')),
      ),
      country: sessionAccount?.country ?? null,
      accountId: sessionAccount?.id ?? null,
      accountIsNew: false,
      authMethod: sessionAccount ? (proof ?? null) : null,
      brand: presetBrand(params, app.brands),
      expiresAt: details.exp * 1000,
    });

    const switchTo = ctx.query.lang;
    if (isLocale(switchTo) && switchTo !== journey.locale) {
      await deps.journeys.update(uid, { locale: switchTo });
      journey = { ...journey, locale: switchTo };
    }
    ctx.state.locale = journey.locale as Locale;
    const allowedScopes = new Set(app.scopes);
    const requestedDetail = requestedVehicleData(params);
    // A request asks for data points as scopes or in its detail, never both (the authorization server
    // refuses both at once).
    const requestedScopes = (requestedDetail?.data_points ?? String(params.scope ?? '').split(' ')).filter(
      (scope) => allowedScopes.has(scope),
    );
    const continuingAs =
      sessionAccount && journey.accountId === sessionAccount.id
        ? maskedEmail(sessionAccount.email)
        : undefined;
    ctx.state.journeyState = {
      journey,
      interaction: details,
      app,
      requestedScopes,
      requestedDetail,
      continuingAs,
    } satisfies JourneyState;
    await next();
  };
}
