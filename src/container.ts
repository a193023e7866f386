// Builds what every Keyturn process needs, from its configuration and without any HTTP: logger, database
// (migrated), keys, repositories, mail, the makers' connectors, the relay, the outbox worker with every
// job kind, and housekeeping. The server (src/main.ts), the worker (src/worker.ts) and the CLI each build
// one; the server adds its web app on top (src/http/app.ts).

import { accountErasureFollowUp, accountErasureJob } from './account/erase-account.ts';
import type { Config } from './config/index.ts';
import { type ConnectorRegistry, connectorRegistry } from './connectors/registry.ts';
import { type Database, openDatabase } from './db/index.ts';
import { createLogger, type DestinationStream, type Logger } from './logger.ts';
import { consentReceiptHandler, consentReceiptJob } from './mail/consent-receipt.ts';
import { createMailer, type Mailer } from './mail/mailer.ts';
import { ownerMailHandler, ownerMailJob } from './mail/owner-mail.ts';
import { reminderMailHandler } from './mail/reminder-mail.ts';
import { createMetrics, type Metrics } from './metrics/registry.ts';
import { registerStorageGauges } from './metrics/storage-gauges.ts';
import type { JobRegistry } from './outbox/jobs.ts';
import { outboxStore } from './outbox/store.ts';
import { createWorker, type Worker } from './outbox/worker.ts';
import { type VehicleEventStore, vehicleEventJob } from './relay/accept-vehicle-event.ts';
import {
  authorizationChangedJob,
  fleetClearanceChangedJob,
  type RelayStore,
} from './relay/apply-clearance-event.ts';
import { approvalReminderJob, sweepApprovalReminders } from './relay/approval-reminders.ts';
import { sweepOverdueClearances } from './relay/deadline-sweep.ts';
import { relayJobs } from './relay/jobs.ts';
import { type Keys, loadKeys } from './security/keys.ts';
import { type PasswordHashing, passwordHashing } from './security/passwords.ts';
import { sweepRateLimits } from './security/rate-limits.ts';
import { accountErasureRepository } from './storage/account-erasure.ts';
import { accountsRepository } from './storage/accounts.ts';
import { appsRepository } from './storage/apps.ts';
import { clearancesRepository } from './storage/clearances.ts';
import { consentRecordsRepository } from './storage/consent-records.ts';
import { consumersRepository } from './storage/consumers.ts';
import { devMailRepository } from './storage/dev-mail.ts';
import { fleetDocumentsRepository } from './storage/fleet-documents.ts';
import { fleetMembersRepository } from './storage/fleet-members.ts';
import { fleetVehiclesRepository } from './storage/fleet-vehicles.ts';
import { fleetsRepository } from './storage/fleets.ts';
import { inboundEventsRepository } from './storage/inbound-events.ts';
import { journeysRepository } from './storage/journeys.ts';
import { oidcPayloadsRepository } from './storage/oidc-payloads.ts';
import { ownerSessionsRepository } from './storage/owner-sessions.ts';
import { settingsRepository } from './storage/settings.ts';
import { usageLedgerRepository } from './storage/usage-ledger.ts';
import { webhookDeliveriesRepository } from './storage/webhook-deliveries.ts';
import { type WebhookKind, webhookDeliveryHandler } from './webhooks/deliver.ts';
import {
  appPingJob,
  appPingWebhooks,
  appWebhooks,
  fleetPingJob,
  fleetPingWebhooks,
  fleetWebhooks,
  vehicleEventWebhooks,
} from './webhooks/kinds.ts';

export function repositoriesFor(database: Database) {
  const clearances = clearancesRepository(database);
  return {
    accountErasure: accountErasureRepository(database),
    accounts: accountsRepository(database),
    apps: appsRepository(database),
    clearances,
    consentRecords: consentRecordsRepository(database),
    consumers: consumersRepository(database),
    devMail: devMailRepository(database),
    fleetDocuments: fleetDocumentsRepository(database),
    fleetMembers: fleetMembersRepository(database),
    fleetVehicles: fleetVehiclesRepository(database, clearances),
    fleets: fleetsRepository(database),
    inboundEvents: inboundEventsRepository(database),
    journeys: journeysRepository(database),
    oidcPayloads: oidcPayloadsRepository(database),
    outbox: outboxStore(database),
    ownerSessions: ownerSessionsRepository(database),
    settings: settingsRepository(database),
    usageLedger: usageLedgerRepository(database),
    webhookDeliveries: webhookDeliveriesRepository(database),
  };
}

export type Repositories = ReturnType<typeof repositoriesFor>;

export interface Container {
  config: Config;
  logger: Logger;
  database: Database;
  keys: Keys;
  repositories: Repositories;
  mailer: Mailer;
  /** Owners' passwords, hashed and checked at the configured cost. */
  passwords: PasswordHashing;
  connectors: ConnectorRegistry;
  relay: RelayStore;
  /** The relay, with what taking in vehicle events needs besides: receivers, the usage ledger, prices. */
  vehicleEvents: VehicleEventStore;
  worker: Worker;
  /** This process's Prometheus metrics (served by the web app at /metrics). */
  metrics: Metrics;
  /**
   * Housekeeping, as of `now`: expired artifacts and counts, stale journeys, old history, overdue clearances,
   * and reminders to owners whose approval at the maker is due.
   */
  maintenance(
    now?: number,
  ): Promise<{ expired: number; journeys: number; history: number; timedOut: number; reminded: number }>;
  /** Stops the worker after the jobs under way, closes the mailer and the database. */
  close(): Promise<void>;
}

export interface ContainerOptions {
  /** Migrate the database first (the server and the worker do; `keyturn migrate` does it itself). */
  migrate?: boolean;
  /** Where log lines go instead of stdout (a test reads them). */
  logDestination?: DestinationStream;
}

/** Journeys and password links are kept a day past their expiry, so a late visit still gets "expired". */
const oneDay = 86_400_000;

export async function buildContainer(config: Config, options: ContainerOptions = {}): Promise<Container> {
  const logger = createLogger(config.logLevel, options.logDestination);
  const database = openDatabase({
    databaseUrl: config.databaseUrl,
    sqliteFile: config.sqliteFile,
    sqliteLockTimeoutMs: config.sqliteLockTimeoutMs,
    onBackgroundError: (message, error) => logger.warn({ err: error }, message),
  });
  if (options.migrate ?? true) {
    const applied = await database.migrate();
    if (applied.length > 0) logger.info({ applied }, 'database migrated');
  }
  const repositories = repositoriesFor(database);
  const metrics = createMetrics();
  const keys = await loadKeys(config, repositories.settings);
  const mailer = createMailer({
    smtpUrl: config.smtpUrl,
    from: config.mailFrom,
    devMail: repositories.devMail,
  });
  const connectors = await connectorRegistry(config, repositories.settings);
  const relay: RelayStore = {
    transactions: database,
    clearances: repositories.clearances,
    inboundEvents: repositories.inboundEvents,
    outbox: repositories.outbox,
    oidcPayloads: repositories.oidcPayloads,
    consentRecords: repositories.consentRecords,
  };
  const vehicleEvents: VehicleEventStore = {
    ...relay,
    usage: repositories.usageLedger,
    pricing: config.pricing,
    async receiverOf(clearance) {
      return clearance.fleetId
        ? repositories.fleets.find(clearance.fleetId)
        : repositories.apps.find(clearance.clientId);
    },
  };
  const webhookDelivery = (kind: WebhookKind) =>
    webhookDeliveryHandler({
      kind,
      deliveries: repositories.webhookDeliveries,
      targets: config.webhooks,
      timeoutMs: config.webhooks.timeoutMs,
      deliveriesCounted: metrics.webhookDeliveries,
    });

  const jobs: JobRegistry = {
    ...relayJobs({
      store: relay,
      accounts: repositories.accounts,
      apps: repositories.apps,
      fleets: repositories.fleets,
      fleetVehicles: repositories.fleetVehicles,
      connectorFor: connectors.connectorFor,
      callbackUrl: (provider) => `${config.issuer}/callbacks/${provider}`,
    }),
    [authorizationChangedJob]: { run: webhookDelivery(appWebhooks(repositories.apps)) },
    [fleetClearanceChangedJob]: {
      run: webhookDelivery(fleetWebhooks(repositories.fleets, repositories.fleetVehicles)),
    },
    [fleetPingJob]: { run: webhookDelivery(fleetPingWebhooks(repositories.fleets)) },
    [appPingJob]: { run: webhookDelivery(appPingWebhooks(repositories.apps)) },
    [vehicleEventJob]: {
      run: webhookDelivery(vehicleEventWebhooks(repositories.apps, repositories.fleets)),
      // Charged when queued; an event never delivered is credited back (a later replay is free).
      abandoned: async (payload) => {
        await repositories.usageLedger.creditUndelivered(String(payload.eventId), String(payload.clientId));
      },
    },
    [accountErasureJob]: accountErasureFollowUp({
      erasure: repositories.accountErasure,
      relay,
      recheckDelayMs: Math.min(config.relay.retryMaxMs, 60_000),
    }),
    [consentReceiptJob]: {
      run: consentReceiptHandler({
        accounts: repositories.accounts,
        clearances: repositories.clearances,
        consentRecords: repositories.consentRecords,
        mailer,
        issuer: config.issuer,
      }),
    },
    [approvalReminderJob]: {
      run: reminderMailHandler({
        clearances: repositories.clearances,
        accounts: repositories.accounts,
        apps: repositories.apps,
        mailer,
        issuer: config.issuer,
      }),
    },
    [ownerMailJob]: {
      run: ownerMailHandler({
        accounts: repositories.accounts,
        mailer,
        issuer: config.issuer,
        passwordLinkTtlSeconds: config.ttl.passwordLink,
        passwordResetLinkTtlSeconds: config.ttl.passwordResetLink,
      }),
    },
  };
  const worker = createWorker(repositories.outbox, jobs, logger.child({ component: 'worker' }), {
    pollMs: config.relay.pollMs,
    baseDelayMs: config.relay.retryBaseMs,
    maxDelayMs: config.relay.retryMaxMs,
    maxAttempts: config.relay.maxAttempts,
    leaseMs: config.relay.leaseMs,
    abandonedJobs: metrics.jobsAbandoned,
  });
  registerStorageGauges(
    metrics.registry,
    { clearances: repositories.clearances, outbox: repositories.outbox, database },
    Object.keys(jobs),
  );

  async function maintenance(now = Date.now()) {
    const expired =
      (await repositories.oidcPayloads.sweepExpired(now)) +
      (await sweepRateLimits(database.sharedCounters(), now)) +
      (await repositories.ownerSessions.sweepExpired(now)) +
      (await repositories.accounts.sweepPasswordLinks(now - oneDay));
    const journeys = await repositories.journeys.sweepExpired(now - oneDay);
    const historyBefore = now - config.historyRetention * 1000;
    const history =
      (await repositories.outbox.sweepFinished(historyBefore)) +
      (await repositories.inboundEvents.sweep(historyBefore)) +
      (await repositories.webhookDeliveries.sweep(historyBefore));
    const timedOut = await sweepOverdueClearances(relay, config.relay.clearanceDeadline, now);
    const reminded = await sweepApprovalReminders(relay, config.relay.approvalReminders, now);
    return { expired, journeys, history, timedOut, reminded };
  }

  return {
    config,
    logger,
    database,
    keys,
    repositories,
    mailer,
    passwords: passwordHashing(config.passwordHashCost),
    connectors,
    relay,
    vehicleEvents,
    worker,
    metrics,
    maintenance,
    async close() {
      await worker.stop();
      mailer.close();
      await database.close();
    },
  };
}
