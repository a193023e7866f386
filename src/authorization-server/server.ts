// The authorization server: oidc-provider 9 configured for Keyturn. Authorization code flow for apps with
// PKCE S256, client credentials for fleets and apps (RFC 6749 §4.4, scopes `fleet:clearance` and `management`,
// ./scope-rules.ts), exact redirect URIs, `iss` in responses (RFC 9207), opaque tokens that outlive the
// browser session, refresh rotation with reuse detection, RFC 7009 revocation. RFC 7662 introspection is
// served by Keyturn itself (./introspection.ts), restricted to data consumers, and advertised in discovery
// here. Every authorization walks the journey (no silent re-consent). Pushed authorization requests
// (RFC 9126), DPoP (RFC 9449) and `private_key_jwt` (RFC 7523) are offered to every app and required of
// apps registered with the FAPI 2.0 Security Profile (./security-profile.ts). Rich Authorization Requests
// (RFC 9396) of the type `vehicle_data` are an alternative to data-point scopes
// (./rich-authorization-requests.ts).
import Keygrip from 'keygrip';
import type { Context as KoaContext } from 'koa';
import AuthorizationServer, {
  type Configuration,
  errors,
  interactionPolicy,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import type { Config } from '../config/index.ts';
import type { Transactions } from '../db/index.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { provenBy } from '../domain/auth-methods.ts';
import { dataPoints } from '../domain/data-points.ts';
import { isBrandId } from '../domain/vehicles/brands.ts';
import { isLocale, translator } from '../i18n/index.ts';
import { firstSupported, fromAcceptLanguage, negotiateLocale } from '../i18n/negotiate.ts';
import type { Logger } from '../logger.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { OidcPayloadsRepository } from '../storage/oidc-payloads.ts';
import { pinToIssuer } from '../web/issuer-origin.ts';
import { renderView } from '../web/views.ts';
import { adapterFactory, type ClientLoader } from './adapter.ts';
import {
  appManagementScope,
  clientMetadataProperties,
  clientProperty,
  clientSecretMatches,
  fleetClearanceScope,
} from './clients.ts';
import { introspectionPath } from './introspection.ts';
import { replayDetectedAtomically } from './replay-detection.ts';
import { resourceIndicators, richAuthorizationRequests } from './rich-authorization-requests.ts';
import { refuseManagementScopeInConsent, refuseOtherClientCredentialsScopes } from './scope-rules.ts';
import {
  clientAuthSigningAlgorithms,
  dpopNonceSecret,
  dpopSigningAlgorithms,
  fapiProfileOf,
  idTokenSigningAlgorithms,
  withFapiSigningKeys,
} from './security-profile.ts';

export interface AuthorizationServerDependencies {
  config: Config;
  transactions: Transactions;
  payloads: OidcPayloadsRepository;
  loadClient: ClientLoader;
  accounts: AccountsRepository;
  cookieKeys: string[];
  jwks: { keys: Record<string, unknown>[] };
  logger: Logger;
}

export const interactionPath = (uid: string) => `/interaction/${uid}`;

function journeyPolicy() {
  const { base, Check } = interactionPolicy;
  const policy = base();
  // A login session counts only when it records proof of the account (a password, or a code mailed to
  // its address); any other, such as one made before that rule, must sign in again.
  policy
    .get('login')
    ?.checks.add(
      new Check('keyturn_proof', 'the session does not prove the account', (ctx) =>
        ctx.oidc.session?.accountId && !provenBy(ctx.oidc.session.amr)
          ? Check.REQUEST_PROMPT
          : Check.NO_NEED_TO_PROMPT,
      ),
    );
  const consent = policy.get('consent');
  // By default a second authorization in the same browser session skips the UI; Keyturn must show brand,
  // VIN and permissions every time, so consent is satisfied only by this interaction's own result.
  consent?.checks.add(
    new Check('keyturn_journey', 'every authorization walks the consent journey', (ctx) =>
      ctx.oidc.result?.consent?.grantId ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT,
    ),
  );
  return policy;
}

function errorLocale(ctx: KoaContextWithOIDC) {
  const params = (ctx.oidc?.params ?? {}) as Record<string, unknown>;
  const query = ctx.query as Record<string, unknown>;
  const asked = params.locale ?? query.locale;
  return negotiateLocale(
    isLocale(asked) ? asked : undefined,
    firstSupported((params.ui_locales ?? query.ui_locales) as string | undefined),
    fromAcceptLanguage(ctx.get('accept-language')),
  );
}

/**
 * RFC 6749 §5.2 names a request with no client authentication at all `invalid_client` (401), and RFC 7662
 * §2.3 callers expect 401; oidc-provider answers 400 `invalid_request` for it. Only that case is changed.
 */
async function missingClientAuthenticationIsUnauthorized(ctx: KoaContextWithOIDC, next: () => Promise<void>) {
  await next();
  const body = ctx.body as { error?: unknown; error_description?: unknown } | undefined;
  if (
    ctx.status === 400 &&
    body?.error === 'invalid_request' &&
    body.error_description === 'no client authentication mechanism provided'
  ) {
    ctx.status = 401;
    ctx.body = { error: 'invalid_client', error_description: 'client authentication is required' };
  }
}

/**
 * RFC 6749 §5.2: a client using a grant type it is not registered for (an app asking for client
 * credentials) gets `unauthorized_client`; oidc-provider answers `invalid_request` for it.
 */
async function grantTypeNotAllowedIsUnauthorizedClient(ctx: KoaContextWithOIDC, next: () => Promise<void>) {
  await next();
  const body = ctx.body as { error?: unknown; error_description?: unknown } | undefined;
  if (
    ctx.status === 400 &&
    body?.error === 'invalid_request' &&
    body.error_description === 'requested grant type is not allowed for this client'
  )
    ctx.body = { ...body, error: 'unauthorized_client' };
}

/**
 * A database outage met inside oidc-provider answers as it does everywhere else in Keyturn: 503 with
 * Retry-After, `temporarily_unavailable` as JSON or the localized page in a browser, never a 500
 * `server_error` (a retry may well succeed, and every multi-write request was rolled back). The library's
 * route error handlers turn such an error into a 500 and report it as `server_error` (recorded in
 * `outages`); one raised after them (the session saved after the route, the transaction's commit) arrives
 * here as it is.
 */
function databaseOutagesAnswer503(outages: WeakSet<object>, logger: Logger) {
  return async function databaseOutageAnswers503(ctx: KoaContextWithOIDC, next: () => Promise<void>) {
    try {
      await next();
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      logger.warn({ err: error, path: ctx.path, method: ctx.method }, 'database unavailable');
      outages.add(ctx);
    }
    if (!outages.has(ctx)) return;
    ctx.status = 503;
    ctx.set('Retry-After', '1');
    ctx.set('Cache-Control', 'no-store');
    if (ctx.accepts('json', 'html') === 'html') {
      const locale = errorLocale(ctx);
      ctx.type = 'html';
      ctx.body = renderView('errors/error.njk', locale, {
        code: 'database_unavailable',
        message: translator(locale)('errors:database_unavailable'),
        status: 503,
      });
    } else {
      ctx.body = {
        error: 'temporarily_unavailable',
        error_description: 'the authorization server cannot reach its database; try again',
      };
    }
  };
}

const tokenPath = '/token';
const revocationPath = '/token/revocation';
const authorizationPath = '/auth';
/** RFC 9126 §2: where an app pushes its authorization request. */
export const pushedAuthorizationRequestPath = '/request';
export const endSessionPath = '/session/end';

/**
 * Requests that write several artifacts run as one transaction, committed before the response goes out:
 * a redemption at the token endpoint (the used code or refresh token, the access token, the new refresh
 * token), a revocation (the grant's tokens, the grant, and its clearance ending) and the authorization's
 * resume after the journey (`/auth/<uid>`: the session, the code, the ended interaction).
 */
function multiWriteRequestsInOneTransaction(transactions: Transactions) {
  return async function multiWriteRequestInTransaction(ctx: KoaContextWithOIDC, next: () => Promise<void>) {
    const writesSeveral =
      (ctx.method === 'POST' && (ctx.path === tokenPath || ctx.path === revocationPath)) ||
      (ctx.method === 'GET' && ctx.path.startsWith(`${authorizationPath}/`));
    return writesSeveral ? transactions.transaction(next) : next();
  };
}

export function createAuthorizationServer(deps: AuthorizationServerDependencies): AuthorizationServer {
  const { config } = deps;
  const ttl = config.ttl;
  const configuration: Configuration = {
    adapter: adapterFactory(deps.payloads, deps.loadClient) as unknown as Configuration['adapter'],
    clients: [],
    jwks: withFapiSigningKeys(deps.jwks) as Configuration['jwks'],
    // One Keygrip for the process: given an array, Koa's cookies would build a new one on every request.
    cookies: { keys: new Keygrip(deps.cookieKeys) as unknown as string[] },
    scopes: ['openid', 'offline_access', ...dataPoints, fleetClearanceScope, appManagementScope],
    // `amr` (RFC 8176) tells the app how the owner proved who they are: a password or a mailed code.
    claims: { openid: ['sub', 'amr'] },
    responseTypes: ['code'],
    routes: {
      authorization: authorizationPath,
      token: tokenPath,
      end_session: endSessionPath,
      pushed_authorization_request: pushedAuthorizationRequestPath,
    },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    enabledJWA: {
      clientAuthSigningAlgValues: [...clientAuthSigningAlgorithms],
      dPoPSigningAlgValues: [...dpopSigningAlgorithms],
      idTokenSigningAlgValues: [...idTokenSigningAlgorithms],
    },
    extraClientMetadata: { properties: [...clientMetadataProperties] },
    discovery: {
      introspection_endpoint: `${config.issuer}${introspectionPath}`,
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    },
    allowOmittingSingleRegisteredRedirectUri: false,
    pkce: { required: () => true },
    extraParams: {
      async brand(_ctx, value, client) {
        if (value === undefined) return;
        const enabled = clientProperty(client as never, 'keyturn_brands') as string[] | undefined;
        if (typeof value !== 'string' || !isBrandId(value) || !enabled?.includes(value)) {
          throw new errors.InvalidRequest('brand is unknown or not enabled for this app');
        }
      },
      // Any value is kept for the journey, which checks it as a typed VIN against the brand chosen there
      // (journey/requested-vehicle.ts): an unusable one is the owner's to correct, not an error for the app.
      vin: null,
      async locale(_ctx, value) {
        if (value !== undefined && !isLocale(value))
          throw new errors.InvalidRequest('locale must be en or de');
      },
      // A standard parameter, checked here as well: an owner's consent never grants the management scope.
      scope: refuseManagementScopeInConsent,
    },
    // Keyturn adds no claims. This is the hook oidc-provider calls as it issues a token, before storing it:
    // there a client credentials token asking for another scope than its client's one is refused.
    extraTokenClaims: async (_ctx, token) => {
      refuseOtherClientCredentialsScopes(token);
      return undefined;
    },
    features: {
      devInteractions: { enabled: false },
      // OpenID Connect RP-Initiated Logout: the app can sign the owner out of Keyturn (the login session and
      // the dashboard's); the app's grant and tokens stay (they outlive the session).
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = 'html';
          ctx.body = renderView('account/logout.njk', errorLocale(ctx), { form });
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html';
          ctx.body = renderView('account/logged-out.njk', errorLocale(ctx));
        },
      },
      userinfo: { enabled: false },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      introspection: { enabled: false },
      // Fleets authenticate to the fleet API, apps to their management API, with their client credentials
      // (RFC 6749 §4.4).
      clientCredentials: { enabled: true },
      // RFC 9126: any app may push its authorization request; a FAPI 2.0 app must (its client metadata).
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
      // RFC 9449: any app may bind its tokens to a key; a FAPI 2.0 app must. Nonces (§8) are offered, from a
      // secret every instance derives alike, and a proof's `jti` is refused a second time.
      dPoP: { enabled: true, nonceSecret: dpopNonceSecret(deps.cookieKeys), allowReplay: false },
      // The FAPI 2.0 Security Profile's checks apply to the apps registered with it, and only to them.
      fapi: { enabled: true, profile: (_ctx, client) => fapiProfileOf(client) },
      // RFC 9396: an app may ask for data points in one `vehicle_data` authorization detail, not as scopes.
      richAuthorizationRequests: richAuthorizationRequests(),
      resourceIndicators: resourceIndicators(config.issuer),
    },
    findAccount: async (_ctx, sub) => {
      const account = await deps.accounts.find(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ sub }) };
    },
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId;
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    interactions: {
      policy: journeyPolicy(),
      url: (_ctx, interaction) => interactionPath(interaction.uid),
    },
    // A refresh token exactly when the grant holds offline_access (the journey grants it to every app), so
    // the token response's scope tells the truth and a client may ask for it again on refresh.
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    // RFC 7009 §2.1 lets revoking one token end the others of its grant: revoking an access or a refresh
    // token ends the whole grant, and with it the clearance (see relay/cancel-clearance.ts).
    revokeGrantPolicy: () => true,
    // Rotation with reuse detection protects a refresh token that leaked from a client holding only a secret.
    // A FAPI 2.0 app's refresh tokens are bound to its key by `private_key_jwt`, and the profile asks that
    // they are not rotated (a lost response would otherwise cost the app its grant).
    rotateRefreshToken: (ctx) => fapiProfileOf(ctx.oidc.client) !== '2.0',
    expiresWithSession: async () => false,
    ttl: {
      AccessToken: ttl.accessToken,
      AuthorizationCode: ttl.authorizationCode,
      RefreshToken: ttl.refreshToken,
      IdToken: ttl.accessToken,
      Interaction: ttl.interaction,
      Session: ttl.session,
      Grant: ttl.grant,
      ClientCredentials: ttl.accessToken,
    },
    renderError: async (ctx, out) => {
      const locale = errorLocale(ctx);
      ctx.type = 'html';
      ctx.set('Cache-Control', 'no-store');
      ctx.body = renderView('errors/oauth-error.njk', locale, {
        error: out.error,
        description: out.error_description,
      });
    },
  };

  const authorizationServer = new AuthorizationServer(config.issuer, configuration);
  authorizationServer.proxy = config.trustProxy;
  pinToIssuer(authorizationServer, config.issuer);
  // The library's replay check (DPoP proofs, client assertions) finds and then saves, which races: it
  // becomes one atomic claim in the artifact table.
  replayDetectedAtomically(authorizationServer, deps.payloads);

  // Client secrets are stored hashed: oidc-provider holds the hash as `client_secret`, so compare hashes;
  // a fleet's previous secret counts too while its rotation's overlap lasts (./clients.ts).
  authorizationServer.Client.prototype.compareClientSecret = function compareClientSecret(
    this: { clientSecret: string; metadata(): Record<string, unknown> },
    actual: string,
  ) {
    return clientSecretMatches(this, actual);
  };

  const outages = new WeakSet<object>();
  authorizationServer.use(databaseOutagesAnswer503(outages, deps.logger));
  authorizationServer.use(missingClientAuthenticationIsUnauthorized);
  authorizationServer.use(grantTypeNotAllowedIsUnauthorizedClient);
  authorizationServer.use(multiWriteRequestsInOneTransaction(deps.transactions));

  authorizationServer.on('server_error', (ctx: KoaContext, error: Error) => {
    if (!isDatabaseUnavailable(error))
      return deps.logger.error({ err: error, path: ctx.path }, 'authorization server error');
    deps.logger.warn({ err: error, path: ctx.path, method: ctx.method }, 'database unavailable');
    outages.add(ctx);
  });
  return authorizationServer;
}
