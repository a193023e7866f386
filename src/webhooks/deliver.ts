// Outbound `authorization_changed` webhooks to apps (free of charge, per seed 001), in the seed's body shape
// and signed per Standard Webhooks with the app's secret. At-least-once from the outbox: the same
// `webhook-id` on every redelivery; only 2xx counts (3xx is a failure, redirects are never followed);
// each attempt has a timeout and is written to the app's delivery log.
import { Webhook } from 'standardwebhooks';
import { PermanentJobFailure } from '../relay/worker.ts';
import type { AppsRepository } from '../storage/apps.ts';
import type { OutboxJob } from '../storage/outbox.ts';
import type { WebhookDeliveriesRepository } from '../storage/webhook-deliveries.ts';
import { targetProblem } from './target-guard.ts';

export interface WebhookDeliveryDependencies {
  apps: AppsRepository;
  deliveries: WebhookDeliveriesRepository;
  allowPrivateTargets: boolean;
  timeoutMs: number;
}

export function authorizationChangedBody(payload: Record<string, unknown>, receivedAt: Date) {
  return {
    vehicle: { vin: payload.vin },
    event: { type: 'authorization_changed', received_at: receivedAt.toISOString(), action: 'automatic' },
    application: { id: payload.clientId },
    authorization: { status: payload.status },
  };
}

export function webhookDeliveryHandler(deps: WebhookDeliveryDependencies) {
  return async function deliverWebhook(payload: Record<string, unknown>, job: OutboxJob): Promise<void> {
    const app = await deps.apps.find(String(payload.clientId));
    if (!app) throw new PermanentJobFailure('app no longer exists');
    if (!app.webhookUrl) return;
    const problem = await targetProblem(app.webhookUrl, deps.allowPrivateTargets);
    if (problem) throw new PermanentJobFailure(problem);

    const webhookId = `msg_keyturn_${job.id}`;
    const body = JSON.stringify(authorizationChangedBody(payload, new Date(Number(payload.occurredAt))));
    const timestamp = new Date();
    const signature = new Webhook(app.webhookSecret).sign(webhookId, timestamp, body);
    const started = Date.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(app.webhookUrl, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(deps.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Keyturn-Webhooks/1',
          'webhook-id': webhookId,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body,
      });
      statusCode = response.status;
      await response.body?.cancel();
      if (statusCode < 200 || statusCode >= 300) error = `answered ${statusCode}`;
    } catch (thrown) {
      error = (thrown as Error).message;
    }
    await deps.deliveries.record({
      clientId: app.clientId,
      jobId: job.id,
      webhookId,
      eventType: 'authorization_changed',
      url: app.webhookUrl,
      statusCode,
      error,
      durationMs: Date.now() - started,
      attemptedAt: started,
    });
    if (error) throw new Error(`webhook to ${app.webhookUrl} failed: ${error}`);
  };
}
