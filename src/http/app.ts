// The web entry: builds Keyturn's Koa app on a container (never listens; src/main.ts does). Requests are
// served by route groups, tried in the order of the table below: machine-to-machine endpoints first, with
// no page middleware (introspection is Keyturn's hottest path), then the pages, each group with the
// middleware it needs (security headers, language, the HTML error page) and body parsing in its routers.
import Router from '@koa/router';
import Keygrip from 'keygrip';
import Koa, { type Context, type Middleware } from 'koa';
import compose from 'koa-compose';
import mount from 'koa-mount';
import type AuthorizationServer from 'oidc-provider';
import { dashboardRouter } from '../account/dashboard.ts';
import { exportDownloadAllowance } from '../account/export.ts';
import { endOwnerSessionOnLogout } from '../account/login-session.ts';
import { appManagementRouter } from '../app-api/router.ts';
import { appApiRouter } from '../authorization-server/authorization-status.ts';
import { clientLoader } from '../authorization-server/clients.ts';
import { introspectionEndpoint, introspectionPath } from '../authorization-server/introspection.ts';
import { endClearancesOfRevokedGrants } from '../authorization-server/revoked-grants.ts';
import { createAuthorizationServer, pushedAuthorizationRequestPath } from '../authorization-server/server.ts';
import { callbackQueue, callbacksRouter } from '../callbacks/router.ts';
import { simulatorMountPath } from '../connectors/registry.ts';
import type { Container } from '../container.ts';
import type { OemSimulator } from '../dev-tools/oem-simulator/app.ts';
import { NotFound } from '../errors.ts';
import { fleetApiRouter } from '../fleet-api/router.ts';
import { journeyLimits } from '../journey/limits.ts';
import { journeyRouter } from '../journey/router.ts';
import { metricsEndpoint, metricsPath } from '../metrics/endpoint.ts';
import { httpMetrics } from '../metrics/http.ts';
import { testEventAllowance } from '../platform/integration-page.ts';
import { platformRouter } from '../platform/router.ts';
import { enqueueClearanceRequest } from '../relay/request-clearance.ts';
import { rateLimit } from '../security/rate-limits.ts';
import { signInThrottle } from '../security/sign-in-throttle.ts';
import { errorHandler } from '../web/error-handler.ts';
import { healthRouter } from '../web/health.ts';
import { pinToIssuer } from '../web/issuer-origin.ts';
import { acceptLanguage, chooseLocale } from '../web/locale.ts';
import { requestId } from '../web/request-id.ts';
import { securityHeaders, transportSecurity } from '../web/security-headers.ts';
import { openApiRouter } from './openapi/router.ts';
import { requestLog } from './request-log.ts';
import { siteRouter } from './site.ts';

export interface HttpApp {
  app: Koa;
  authorizationServer: AuthorizationServer;
  /** The OEM simulator, when it is mounted (development). */
  simulator: OemSimulator | undefined;
}

/** Routers (or a mounted app) served together, behind the middleware they need. */
interface RouteGroup {
  name: string;
  matches(ctx: Context): boolean;
  handle: Middleware;
}

// Router middleware expects the router's own context fields, which it adds itself when it runs.
const asMiddleware = (middleware: unknown) => middleware as Middleware;

/** A group of routers: it serves a request when one of its routes has the request's path. */
function routers(name: string, middleware: Middleware[], group: Router[]): RouteGroup {
  return {
    name,
    matches: (ctx) =>
      group.some((router) =>
        router.match(ctx.path, ctx.method).path.some((layer) => layer.methods.length > 0),
      ),
    handle: asMiddleware(
      compose([
        ...middleware,
        ...group.flatMap((router) => [asMiddleware(router.routes()), asMiddleware(router.allowedMethods())]),
      ]),
    ),
  };
}

/** A group serving exactly these paths, found by one lookup (the machine endpoints are the hottest). */
function paths(name: string, list: string[], handle: Middleware): RouteGroup {
  const served = new Set(list);
  return { name, matches: (ctx) => served.has(ctx.path), handle };
}

/** A group for paths under `prefix`, however the handler routes them. */
function under(prefix: string, name: string, middleware: Middleware[], handle: Middleware): RouteGroup {
  return {
    name,
    matches: (ctx) => ctx.path === prefix || ctx.path.startsWith(`${prefix}/`),
    handle: compose([...middleware, handle]),
  };
}

/** Hands the request to oidc-provider, itself a Koa app, on the same request and response. */
function handOff(authorizationServer: AuthorizationServer): Middleware {
  const callback = authorizationServer.callback();
  return async function authorizationServer(ctx) {
    ctx.respond = false;
    await callback(ctx.req, ctx.res);
  };
}

/** The authorization server's machine endpoints, served without page middleware. */
const authorizationServerPaths = [
  '/token',
  '/token/revocation',
  pushedAuthorizationRequestPath,
  '/jwks',
  '/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server',
];

/** The authorization server's pages, under the paths of its configuration. */
function authorizationServerPages(authorizationServer: AuthorizationServer, paths: string[]): Router {
  const router = new Router();
  const serve = handOff(authorizationServer);
  for (const path of paths) router.all(path, serve);
  return router;
}

export async function buildHttpApp(container: Container): Promise<HttpApp> {
  const { config, logger, database, keys, repositories, relay, connectors, mailer } = container;

  const loadClient = clientLoader(repositories.apps, repositories.consumers, repositories.fleets);
  const authorizationServer = createAuthorizationServer({
    config,
    transactions: database,
    payloads: repositories.oidcPayloads,
    loadClient,
    accounts: repositories.accounts,
    cookieKeys: keys.cookieKeys,
    jwks: keys.jwks,
    logger,
  });
  // The authorization server's own middleware must be in place before its request handler is made.
  endClearancesOfRevokedGrants(relay, authorizationServer);
  endOwnerSessionOnLogout(authorizationServer, repositories.ownerSessions);

  const app = new Koa({ proxy: config.trustProxy, maxIpsCount: 1 });
  // One Keygrip for the process: given an array, Koa's cookies would build a new one on every request.
  app.keys = new Keygrip(keys.cookieKeys);
  app.silent = true;
  pinToIssuer(app, config.issuer);

  const sharedCounters = database.sharedCounters();
  const signIns = signInThrottle(config.signIn, sharedCounters);
  const providerAvailable = (provider: string) => connectors.connectorFor(provider) !== undefined;
  // One count per fleet, whether it validates through the API or the Platform.
  const fleetValidations = rateLimit(
    'fleet-validations',
    { points: config.limits.validationsPerFleet, windowSeconds: config.limits.windowSeconds },
    sharedCounters,
  );
  const eligibilityChecks = rateLimit(
    'app-eligibility-checks',
    { points: config.limits.eligibilityChecksPerApp, windowSeconds: config.limits.windowSeconds },
    sharedCounters,
  );
  const pages: Middleware[] = [securityHeaders(), chooseLocale(), errorHandler(logger)];
  const jsonErrors: Middleware[] = [errorHandler(logger)];

  const machine: RouteGroup[] = [
    paths(
      'introspection',
      [introspectionPath],
      introspectionEndpoint({
        issuer: config.issuer,
        loadClient,
        findToken: repositories.oidcPayloads.findForIntrospection,
        outcomes: container.metrics.introspections,
      }),
    ),
    paths('authorization server', authorizationServerPaths, handOff(authorizationServer)),
    paths(
      'metrics',
      [metricsPath],
      compose([
        acceptLanguage(),
        ...jsonErrors,
        metricsEndpoint({
          registry: container.metrics.registry,
          mode: config.mode,
          token: config.metricsToken,
        }),
      ]),
    ),
    routers('health', [], [healthRouter(database)]),
    routers('OpenAPI document', jsonErrors, [openApiRouter(config.issuer)]),
    routers('makers’ callbacks', jsonErrors, [
      callbacksRouter(
        container.vehicleEvents,
        connectors.webhookSecretFor,
        callbackQueue(database.writeConcurrency),
        container.metrics.callbacks,
      ),
    ]),
    routers(
      'app API',
      [acceptLanguage(), ...jsonErrors],
      [appApiRouter({ authorizationServer, clearances: repositories.clearances, issuer: config.issuer })],
    ),
    routers(
      'app management API',
      [acceptLanguage(), ...jsonErrors],
      [
        appManagementRouter({
          authorizationServer,
          issuer: config.issuer,
          apps: repositories.apps,
          clearances: repositories.clearances,
          relay,
          eligibilityChecks,
          usageLedger: repositories.usageLedger,
          pricing: config.pricing,
        }),
      ],
    ),
    routers(
      'fleet API',
      [acceptLanguage(), ...jsonErrors],
      [
        fleetApiRouter({
          authorizationServer,
          issuer: config.issuer,
          fleets: repositories.fleets,
          vehicles: repositories.fleetVehicles,
          documents: repositories.fleetDocuments,
          relay,
          providerAvailable,
          validations: fleetValidations,
        }),
      ],
    ),
  ];

  const site: RouteGroup[] = [
    routers('pages', pages, [
      siteRouter({ devTools: config.devTools }),
      dashboardRouter({
        authorizationServer,
        transactions: database,
        relay,
        accounts: repositories.accounts,
        apps: repositories.apps,
        sessions: repositories.ownerSessions,
        outbox: repositories.outbox,
        signInThrottle: signIns,
        passwords: container.passwords,
        erasure: repositories.accountErasure,
        settings: repositories.settings,
        isFleetUser: async (accountId) => (await repositories.fleetMembers.ofAccount(accountId)).length > 0,
        accountExport: {
          usageLedger: repositories.usageLedger,
          webhookDeliveries: repositories.webhookDeliveries,
          downloads: rateLimit('account-exports', exportDownloadAllowance, sharedCounters),
        },
      }),
      platformRouter({
        accounts: repositories.accounts,
        sessions: repositories.ownerSessions,
        signInThrottle: signIns,
        passwords: container.passwords,
        members: repositories.fleetMembers,
        fleets: repositories.fleets,
        vehicles: repositories.fleetVehicles,
        relay,
        validations: fleetValidations,
        documents: repositories.fleetDocuments,
        providerAvailable,
        outbox: repositories.outbox,
        deliveries: repositories.webhookDeliveries,
        webhookTargets: config.webhooks,
        testEvents: rateLimit('fleet-test-events', testEventAllowance, sharedCounters),
        pricing: config.pricing,
        transactions: database,
        invitations: rateLimit(
          'fleet-invitations',
          { points: config.limits.invitationsPerFleet, windowSeconds: config.limits.windowSeconds },
          sharedCounters,
        ),
      }),
      journeyRouter({
        authorizationServer,
        transactions: database,
        ...repositories,
        signInThrottle: signIns,
        passwords: container.passwords,
        mailer,
        limits: journeyLimits(config.limits, sharedCounters),
        emailCode: config.emailCode,
        grantTtlSeconds: config.ttl.grant,
        logger,
        onClearanceCreated: (clearance) => enqueueClearanceRequest(relay, clearance),
      }),
      // The authorization endpoint and the end-session pages render pages: behind the page middleware.
      authorizationServerPages(authorizationServer, [
        '/auth',
        '/auth/:uid',
        '/session/end',
        '/session/end/confirm',
        '/session/end/success',
      ]),
    ]),
  ];

  let simulator: OemSimulator | undefined;
  const devTools: RouteGroup[] = [];
  if (config.devTools) {
    // Loaded only here, so a production process never loads the dev tools.
    const tools = await (await import('../dev-tools/routes.ts')).devTools(container);
    simulator = tools.simulator;
    if (simulator)
      devTools.push(
        under(simulatorMountPath, 'OEM simulator', pages, mount(simulatorMountPath, simulator.app)),
      );
    devTools.push(routers('dev tools', pages, tools.routers));
  }

  const notFound = compose([
    ...pages,
    async () => {
      throw new NotFound();
    },
  ]);
  const groups = [...machine, ...site, ...devTools];

  app.use(requestId());
  app.use(requestLog(logger));
  app.use(
    httpMetrics(container.metrics.http, {
      fixedPaths: [introspectionPath, ...authorizationServerPaths, metricsPath],
      mountedPrefixes: [simulatorMountPath],
    }),
  );
  app.use(transportSecurity(config));
  app.use(async function routeGroups(ctx, next) {
    const group = groups.find((candidate) => candidate.matches(ctx));
    return (group?.handle ?? notFound)(ctx, next);
  });
  return { app, authorizationServer, simulator };
}
