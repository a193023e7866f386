// Builds Keyturn's Koa application from its dependencies; never listens (src/main.ts does). Tests build it
// directly. Keyturn's own routes come first; everything else is handed to the authorization server.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import mount from 'koa-mount';
import type Provider from 'oidc-provider';
import { dashboardRouter } from './account/dashboard.ts';
import { setPasswordPage } from './account/set-password.ts';
import { callbacksRouter } from './callbacks/router.ts';
import type { Config } from './config.ts';
import { demoRouter } from './demo/app.ts';
import { ensureDemoApp } from './demo/register.ts';
import { demoWebhookEndpoint } from './demo/webhooks.ts';
import { devMailboxRouter } from './dev/mailbox.ts';
import { NotFound } from './errors.ts';
import { journeyRouter } from './journey/router.ts';
import type { Logger } from './logger.ts';
import { createMailer, type Mailer } from './mail/mailer.ts';
import { ownerMailHandler } from './mail/owner-mail.ts';
import { authorizationStatusEndpoint } from './oauth/authorization-status.ts';
import { cachedClientLoader } from './oauth/client-cache.ts';
import { appClientMetadata, consumerClientMetadata } from './oauth/clients.ts';
import { introspectionEndpoint, introspectionPath } from './oauth/introspection.ts';
import { createProvider } from './oauth/provider.ts';
import { connectorRegistry, resolveOemEndpoints, simulatorMountPath } from './oem/connectors.ts';
import { createOemSimulator, type OemSimulator } from './oem-simulator/app.ts';
import { authorizationChangedJob, type RelayStore } from './relay/apply-clearance-event.ts';
import { cancelClearance, oemRevokeHandler, oemRevokeJob } from './relay/cancel-clearance.ts';
import { sweepOverdueClearances } from './relay/deadline-sweep.ts';
import { clearanceRequestJob, requestClearanceHandler } from './relay/request-clearance.ts';
import { createWorker, type Worker } from './relay/worker.ts';
import type { Keys } from './security/keys.ts';
import { accountsRepository } from './storage/accounts.ts';
import { appsRepository } from './storage/apps.ts';
import { clearancesRepository } from './storage/clearances.ts';
import { consumersRepository } from './storage/consumers.ts';
import type { Database } from './storage/database.ts';
import { devMailRepository } from './storage/dev-mail.ts';
import { inboundEventsRepository } from './storage/inbound-events.ts';
import { journeysRepository } from './storage/journeys.ts';
import { sweepExpiredPayloads } from './storage/oidc-adapter.ts';
import { outboxRepository } from './storage/outbox.ts';
import { webhookDeliveriesRepository } from './storage/webhook-deliveries.ts';
import { csrfProtection } from './web/csrf.ts';
import { errorHandler } from './web/error-handler.ts';
import { chooseLocale } from './web/locale.ts';
import { securityHeaders } from './web/security-headers.ts';
import { render, viewsDirectory } from './web/views.ts';
import { webhookDeliveryHandler } from './webhooks/deliver.ts';

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
  repositories: ReturnType<typeof repositoriesFor>;
  relay: RelayStore;
  /** Periodic housekeeping: expired artifacts, stale journeys, overdue clearances. */
  maintenance(): Promise<{ expired: number; journeys: number; timedOut: number }>;
}

function repositoriesFor(database: Database) {
  const { knex, engine } = database;
  const hot = () => database.hot();
  return {
    apps: appsRepository(knex, hot),
    consumers: consumersRepository(knex, hot),
    accounts: accountsRepository(knex, hot),
    journeys: journeysRepository(knex),
    clearances: clearancesRepository(knex, engine, hot),
    outbox: outboxRepository(knex, engine),
    devMail: devMailRepository(knex),
    inboundEvents: inboundEventsRepository(knex),
    webhookDeliveries: webhookDeliveriesRepository(knex),
  };
}

const stylesheet = readFileSync(join(viewsDirectory, 'static', 'keyturn.css'), 'utf8');

export async function buildApp(deps: AppDependencies): Promise<Keyturn> {
  const { config, database, logger, keys } = deps;
  const { knex } = database;
  const repositories = repositoriesFor(database);
  const mailer =
    deps.mailer ??
    createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, devMail: repositories.devMail });

  const loadClient = cachedClientLoader(async (clientId) => {
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

  const worker = createWorker(
    repositories.outbox,
    {
      [clearanceRequestJob]: requestClearanceHandler({
        ...relay,
        accounts: repositories.accounts,
        apps: repositories.apps,
        connectorFor: connectors.connectorFor,
        callbackUrl: (provider) => `${config.issuer}/callbacks/${provider}`,
      }),
      [oemRevokeJob]: oemRevokeHandler({ store: relay, connectorFor: connectors.connectorFor }),
      [authorizationChangedJob]: webhookDeliveryHandler({
        apps: repositories.apps,
        deliveries: repositories.webhookDeliveries,
        allowPrivateTargets: config.webhooks.allowPrivateTargets,
        timeoutMs: config.webhooks.timeoutMs,
      }),
      owner_mail: ownerMailHandler({
        accounts: repositories.accounts,
        mailer,
        issuer: config.issuer,
        passwordLinkTtlSeconds: config.ttl.passwordLink,
      }),
    },
    logger.child({ component: 'worker' }),
    {
      pollMs: config.relay.pollMs,
      baseDelayMs: config.relay.retryBaseMs,
      maxDelayMs: config.relay.retryMaxMs,
      maxAttempts: config.relay.maxAttempts,
      leaseMs: config.relay.leaseMs,
    },
  );

  const app = new Koa({ keys: keys.cookieKeys, proxy: config.trustProxy });
  app.silent = true;

  // Machine-to-machine endpoints first, ahead of the page middleware (headers, locale, forms): the data
  // consumers' introspection is Keyturn's hottest path.
  const introspect = introspectionEndpoint({
    issuer: config.issuer,
    loadClient,
    findToken: (model, token) => database.hot().introspection(model, token),
  });
  const authorizationServer = provider.callback();
  const machineEndpoints =
    /^\/(token|jwks|\.well-known\/(openid-configuration|oauth-authorization-server))(\/|$)/;
  app.use(async function machineToMachine(ctx, next) {
    if (ctx.path === introspectionPath) return introspect(ctx);
    if (!machineEndpoints.test(ctx.path)) return next();
    ctx.respond = false;
    await authorizationServer(ctx.req, ctx.res);
  });

  app.use(errorHandler(logger));
  // The makers' signed callbacks are machine traffic too: JSON errors, no page middleware.
  app.use(callbacksRouter(relay, connectors.webhookSecretFor).routes());
  app.use(securityHeaders());
  app.use(chooseLocale());

  const forms = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
  const site = new Router();
  site.get('/healthz', async (ctx) => {
    await knex.raw('select 1');
    ctx.body = { status: 'ok' };
  });
  site.get('/static/keyturn.css', (ctx) => {
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = stylesheet;
  });
  site.get('/', (ctx) => ctx.redirect(config.devTools ? '/demo' : '/account'));
  site.get('/legal/terms', (ctx) => render(ctx, 'legal/terms.njk'));
  site.get('/legal/privacy', (ctx) => render(ctx, 'legal/privacy.njk'));
  const password = setPasswordPage({ knex, accounts: repositories.accounts });
  site.get('/account/password', csrfProtection(), password.show);
  site.post('/account/password', forms, csrfProtection(), password.submit);
  site.get(
    '/v1/authorization',
    authorizationStatusEndpoint({ provider, clearances: repositories.clearances }),
  );
  app.use(site.routes()).use(site.allowedMethods());
  const dashboard = dashboardRouter(
    { provider, relay, accounts: repositories.accounts, apps: repositories.apps },
    forms,
  );
  app.use(dashboard.routes()).use(dashboard.allowedMethods());

  // An app revoking its refresh token (RFC 7009) ends the grant: the clearance is cancelled too.
  provider.on('grant.revoked', (_ctx: unknown, grantId: string) => {
    void (async () => {
      const clearance = await repositories.clearances.findByGrantId(grantId);
      if (clearance) await cancelClearance(relay, provider, clearance.id, 'app_revoked');
    })().catch((error) =>
      logger.error({ err: error, grantId }, 'cancelling the clearance of a revoked grant failed'),
    );
  });

  const journey = journeyRouter({
    provider,
    knex,
    ...repositories,
    onClearanceCreated: (clearance) =>
      repositories.outbox.enqueue(
        clearanceRequestJob,
        { clearanceId: clearance.id },
        { dedupeKey: `${clearanceRequestJob}:${clearance.id}` },
      ),
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
    const demo = await ensureDemoApp(knex, repositories.apps, config.issuer);
    const demoRoutes = demoRouter({ issuer: config.issuer, ...demo });
    demoRoutes.post(
      '/webhooks',
      demoWebhookEndpoint(demo.webhookSecret, logger.child({ component: 'demo' })),
    );
    app.use(demoRoutes.routes());
  }

  // The authorization endpoint renders pages (errors), so it sits behind the page middleware; any other
  // path is Keyturn's localized 404.
  app.use(async function authorizationEndpoint(ctx) {
    if (!/^\/auth(\/|$)/.test(ctx.path)) throw new NotFound();
    ctx.respond = false;
    await authorizationServer(ctx.req, ctx.res);
  });

  async function maintenance() {
    const expired = await sweepExpiredPayloads(knex);
    const journeys = await repositories.journeys.sweepExpired(Date.now() - 86_400_000);
    const timedOut = await sweepOverdueClearances(relay, config.relay.clearanceDeadline);
    return { expired, journeys, timedOut };
  }

  return { app, provider, worker, simulator, repositories, relay, maintenance };
}
