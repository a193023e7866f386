import { bodyParser } from '@koa/bodyparser';
import Koa from 'koa';
import mount from 'koa-mount';
import type Provider from 'oidc-provider';
import { dashboardRouter } from './account/dashboard.ts';
import { endOwnerSessionOnLogout } from './account/login-session.ts';
import { callbackQueue, callbacksRouter } from './callbacks/router.ts';
import type { Config } from './config.ts';
import { demoRouter } from './demo/app.ts';
import { ensureDemoApp } from './demo/register.ts';
import { demoWebhookEndpoint } from './demo/webhooks.ts';
import { devMailboxRouter } from './dev/mailbox.ts';
import { NotFound } from './errors.ts';
import { createJobWorker } from './jobs.ts';
import { journeyLimits } from './journey/limits.ts';
import { journeyRouter } from './journey/router.ts';
import type { Logger } from './logger.ts';
import { createMailer, type Mailer } from './mail/mailer.ts';
import { appClientMetadata, consumerClientMetadata } from './oauth/clients.ts';
import { introspectionEndpoint, introspectionPath } from './oauth/introspection.ts';
import { createProvider } from './oauth/provider.ts';
import { connectorRegistry, resolveOemEndpoints, simulatorMountPath } from './oem/connectors.ts';
import { createOemSimulator, type OemSimulator } from './oem-simulator/app.ts';
import type { RelayStore } from './relay/apply-clearance-event.ts';
import { endClearancesOfRevokedGrants } from './relay/cancel-clearance.ts';
import { sweepOverdueClearances } from './relay/deadline-sweep.ts';
import { enqueueClearanceRequest } from './relay/request-clearance.ts';
import type { Worker } from './relay/worker.ts';
import { cookieSigner } from './security/cookie-signer.ts';
import type { Keys } from './security/keys.ts';
import { sweepRateLimits } from './security/rate-limits.ts';
import { signInThrottle } from './security/sign-in-throttle.ts';
import { siteRouter } from './site.ts';
import { accountsRepository } from './storage/accounts.ts';
import { appsRepository } from './storage/apps.ts';
import { cachedLookup } from './storage/cached-lookup.ts';
import { clearancesRepository } from './storage/clearances.ts';
import { consumersRepository } from './storage/consumers.ts';
import type { Database } from './storage/database.ts';
import { devMailRepository } from './storage/dev-mail.ts';
import { inboundEventsRepository } from './storage/inbound-events.ts';
import { journeysRepository } from './storage/journeys.ts';
import { sweepExpiredPayloads } from './storage/oidc-adapter.ts';
import { outboxRepository } from './storage/outbox.ts';
import { ownerSessionsRepository } from './storage/owner-sessions.ts';
import { webhookDeliveriesRepository } from './storage/webhook-deliveries.ts';
import { errorHandler } from './web/error-handler.ts';
import { healthRouter } from './web/health.ts';
import { pinToIssuer } from './web/issuer-origin.ts';
import { chooseLocale } from './web/locale.ts';
import { securityHeaders, transportSecurity } from './web/security-headers.ts';

export interface AppDependencies {
  config: Config;
  database: Database;
  logger: Logger;
  keys: Keys;
  /** Overrides the configured mail transport (tests pass a real SMTP peer through SMTP_URL instead). */
  mailer?: Mailer;
}

export interface Keyturn {
  app: Koa;
  provider: Provider;
  worker: Worker;
  simulator: OemSimulator | undefined;
  mailer: Mailer;
  repositories: ReturnType<typeof repositoriesFor>;
  relay: RelayStore;
  /**
   * Periodic housekeeping: expired artifacts, sign-in counts and owner sessions, stale journeys, history
   * past its retention, overdue clearances.
   */
  maintenance(
    now?: number,
  ): Promise<{ expired: number; journeys: number; history: number; timedOut: number }>;
}

function repositoriesFor(database: Database) {
  const { knex, engine } = database;
  const hot = () => database.hot();
  return {
    apps: appsRepository(knex, hot),
    consumers: consumersRepository(knex, hot),
    accounts: accountsRepository(knex, hot),
    ownerSessions: ownerSessionsRepository(knex),
    journeys: journeysRepository(knex),
    clearances: clearancesRepository(knex, hot),
    outbox: outboxRepository(knex, engine),
    devMail: devMailRepository(knex),
    inboundEvents: inboundEventsRepository(knex),
    webhookDeliveries: webhookDeliveriesRepository(knex),
  };
}

export async function buildApp(deps: AppDependencies): Promise<Keyturn> {
  const { config, database, logger, keys } = deps;
  const { knex } = database;
  const repositories = repositoriesFor(database);
  const mailer =
    deps.mailer ??
    createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, devMail: repositories.devMail });

  const loadClient = cachedLookup(async (clientId) => {
    const app = await repositories.apps.find(clientId);
    if (app) return appClientMetadata(app);
    const consumer = await repositories.consumers.find(clientId);
    return consumer ? consumerClientMetadata(consumer) : undefined;
  });
  const provider = createProvider({
    config,
    knex,
    accounts: repositories.accounts,
    cookieKeys: keys.cookieKeys,
    jwks: keys.jwks,
    logger,
    hot: () => database.hot(),
    loadClient,
  });

  const relay: RelayStore = {
    knex,
    clearances: repositories.clearances,
    inboundEvents: repositories.inboundEvents,
    outbox: repositories.outbox,
  };
  const oem = await resolveOemEndpoints(config, knex);
  const connectors = connectorRegistry(oem.endpoints, config.relay.oemTimeoutMs);

  const worker = createJobWorker({
    config,
    logger,
    relay,
    accounts: repositories.accounts,
    apps: repositories.apps,
    webhookDeliveries: repositories.webhookDeliveries,
    mailer,
    connectorFor: connectors.connectorFor,
  });

  // Behind one trusted proxy: the client's address is the last X-Forwarded-For entry, the one the proxy added
  // (entries before it come from the client and could be anything).
  const app = new Koa({ proxy: config.trustProxy, maxIpsCount: 1 });
  app.keys = cookieSigner(keys.cookieKeys);
  app.silent = true;
  pinToIssuer(app, config.issuer);
  app.use(transportSecurity(config));

  // Machine-to-machine endpoints first, ahead of the page middleware (headers, locale, forms): the data
  // consumers' introspection is Keyturn's hottest path.
  const introspect = introspectionEndpoint({
    issuer: config.issuer,
    loadClient,
    findToken: (model, token) => database.hot().introspection(model, token),
  });
  // The provider's own middleware must be in place before its request handler is made.
  endClearancesOfRevokedGrants(relay, provider);
  endOwnerSessionOnLogout(provider, repositories.ownerSessions);
  const authorizationServer = provider.callback();
  const machineEndpoints =
    /^\/(token|jwks|\.well-known\/(openid-configuration|oauth-authorization-server))(\/|$)/;
  app.use(async function machineToMachine(ctx, next) {
    if (ctx.path === introspectionPath) return introspect(ctx);
    if (!machineEndpoints.test(ctx.path)) return next();
    ctx.respond = false;
    await authorizationServer(ctx.req, ctx.res);
  });

  app.use(healthRouter(knex).routes());
  app.use(errorHandler(logger));
  // The makers' signed callbacks are machine traffic too: JSON errors, no page middleware.
  app.use(callbacksRouter(relay, connectors.webhookSecretFor, callbackQueue(database.engine)).routes());
  app.use(securityHeaders());
  app.use(chooseLocale());

  const forms = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
  const site = siteRouter({
    config,
    knex,
    provider,
    accounts: repositories.accounts,
    ownerSessions: repositories.ownerSessions,
    clearances: repositories.clearances,
    forms,
  });
  app.use(site.routes()).use(site.allowedMethods());
  // Limits are counted in the database every instance shares (PostgreSQL), else in this process.
  const sharedLimits = database.engine === 'postgres' ? knex : undefined;
  const signIns = signInThrottle(config.signIn, sharedLimits);
  const dashboard = dashboardRouter(
    {
      provider,
      relay,
      accounts: repositories.accounts,
      apps: repositories.apps,
      sessions: repositories.ownerSessions,
      outbox: repositories.outbox,
      signInThrottle: signIns,
    },
    forms,
  );
  app.use(dashboard.routes()).use(dashboard.allowedMethods());

  // Every journey page shows the app: read through the same kind of short cache as client metadata.
  const journeyApps = { ...repositories.apps, find: cachedLookup(repositories.apps.find) };
  const journey = journeyRouter({
    provider,
    knex,
    ...repositories,
    apps: journeyApps,
    signInThrottle: signIns,
    mailer,
    limits: journeyLimits(config.limits, sharedLimits),
    emailCode: config.emailCode,
    logger,
    onClearanceCreated: (clearance) => enqueueClearanceRequest(relay, clearance),
  });
  app.use(async function parseJourneyForms(ctx, next) {
    if (ctx.method === 'POST' && ctx.path.startsWith('/interaction/')) return forms(ctx, next);
    return next();
  });
  app.use(journey.routes()).use(journey.allowedMethods());

  let simulator: OemSimulator | undefined;
  if (Object.keys(oem.simulated).length > 0) {
    simulator = createOemSimulator({
      publicUrl: `${config.issuer}${simulatorMountPath}`,
      providers: oem.simulated,
      sendMail: (mail) => mailer.send(mail),
      logger: logger.child({ component: 'oem-simulator' }),
    });
    app.use(mount(simulatorMountPath, simulator.app));
  }
  if (config.devTools) {
    app.use(devMailboxRouter(repositories.devMail).routes());
    const { webhookProblems, ...demo } = await ensureDemoApp(
      knex,
      repositories.apps,
      config.issuer,
      config.webhooks,
    );
    if (webhookProblems.length > 0)
      logger.warn({ problems: webhookProblems }, 'the demo app gets no webhooks: its target is refused');
    const demoRoutes = demoRouter({ issuer: config.issuer, ...demo });
    demoRoutes.post(
      '/webhooks',
      demoWebhookEndpoint(demo.webhookSecret, logger.child({ component: 'demo' })),
    );
    app.use(demoRoutes.routes());
  }

  // The authorization and end-session endpoints render pages, so they sit behind the page middleware; any other
  // path is Keyturn's localized 404.
  app.use(async function authorizationEndpoint(ctx) {
    if (!/^\/(auth|session\/end)(\/|$)/.test(ctx.path)) throw new NotFound();
    ctx.respond = false;
    await authorizationServer(ctx.req, ctx.res);
  });

  // Journeys and password links are kept a day past their expiry, so a late visit still gets the "expired"
  // page (with the way back to the app) rather than "unknown link".
  const oneDay = 86_400_000;
  async function maintenance(now = Date.now()) {
    const expired =
      (await sweepExpiredPayloads(knex, now)) +
      (await sweepRateLimits(sharedLimits, now)) +
      (await repositories.ownerSessions.sweepExpired(now)) +
      (await repositories.accounts.sweepPasswordLinks(now - oneDay));
    const journeys = await repositories.journeys.sweepExpired(now - oneDay);
    const historyBefore = now - config.historyRetention * 1000;
    const history =
      (await repositories.outbox.sweepFinished(historyBefore)) +
      (await repositories.inboundEvents.sweep(historyBefore)) +
      (await repositories.webhookDeliveries.sweep(historyBefore));
    const timedOut = await sweepOverdueClearances(relay, config.relay.clearanceDeadline, now);
    return { expired, journeys, history, timedOut };
  }

  return { app, provider, worker, simulator, mailer, repositories, relay, maintenance };
}
