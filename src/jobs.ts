// The outbox worker with Keyturn's job kinds: clearance requests and revocations to makers, the apps'
// authorization_changed webhooks, and the owner's mail. Retry policy from configuration.
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import type { Mailer } from './mail/mailer.ts';
import { ownerMailHandler, ownerMailJob } from './mail/owner-mail.ts';
import type { OemConnector } from './oem/connector.ts';
import { authorizationChangedJob, oemRevokeJob, type RelayStore } from './relay/apply-clearance-event.ts';
import { oemRevokeHandler } from './relay/cancel-clearance.ts';
import { clearanceRequestJob, requestClearanceJob } from './relay/request-clearance.ts';
import { createWorker, type Worker } from './relay/worker.ts';
import type { AccountsRepository } from './storage/accounts.ts';
import type { AppsRepository } from './storage/apps.ts';
import type { WebhookDeliveriesRepository } from './storage/webhook-deliveries.ts';
import { webhookDeliveryHandler } from './webhooks/deliver.ts';

export interface JobDependencies {
  config: Config;
  logger: Logger;
  relay: RelayStore;
  accounts: AccountsRepository;
  apps: AppsRepository;
  webhookDeliveries: WebhookDeliveriesRepository;
  mailer: Mailer;
  connectorFor(provider: string): OemConnector | undefined;
}

export function createJobWorker(deps: JobDependencies): Worker {
  const { config, relay } = deps;
  return createWorker(
    relay.outbox,
    {
      [clearanceRequestJob]: requestClearanceJob({
        ...relay,
        accounts: deps.accounts,
        apps: deps.apps,
        connectorFor: deps.connectorFor,
        callbackUrl: (provider) => `${config.issuer}/callbacks/${provider}`,
      }),
      [oemRevokeJob]: oemRevokeHandler({ store: relay, connectorFor: deps.connectorFor }),
      [authorizationChangedJob]: webhookDeliveryHandler({
        apps: deps.apps,
        deliveries: deps.webhookDeliveries,
        targets: config.webhooks,
        timeoutMs: config.webhooks.timeoutMs,
      }),
      [ownerMailJob]: ownerMailHandler({
        accounts: deps.accounts,
        mailer: deps.mailer,
        issuer: config.issuer,
        passwordLinkTtlSeconds: config.ttl.passwordLink,
        passwordResetLinkTtlSeconds: config.ttl.passwordResetLink,
      }),
    },
    deps.logger.child({ component: 'worker' }),
    {
      pollMs: config.relay.pollMs,
      baseDelayMs: config.relay.retryBaseMs,
      maxDelayMs: config.relay.retryMaxMs,
      maxAttempts: config.relay.maxAttempts,
      leaseMs: config.relay.leaseMs,
    },
  );
}
