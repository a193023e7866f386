// Outbound `authorization_changed` webhooks to apps, `{vehicle, event, application, authorization}`, signed
// per Standard Webhooks with the app's secret (and its previous one during a rotation's overlap), sent only
// to targets the target guard accepts (checked again at every attempt and when connecting). At-least-once
// from the outbox: the same `webhook-id` on every redelivery; only 2xx counts (3xx is a failure, redirects
// are never followed); each attempt has a timeout and is written to the app's delivery log.
import { fetch } from 'undici';
import { PermanentJobFailure } from '../outbox/jobs.ts';
import type { OutboxJob } from '../outbox/store.ts';
import type { AppsRepository } from '../storage/apps.ts';
import type { WebhookDeliveriesRepository } from '../storage/webhook-deliveries.ts';
import { signatureHeader } from './signing-secrets.ts';
import {
  guardedDispatcher,
  type ResolveHost,
  resolveTarget,
  type TargetPolicy,
  TargetRefused,
  webhookUrlShapeProblem,
} from './target-guard.ts';

export interface WebhookDeliveryDependencies {
  apps: AppsRepository;
  deliveries: WebhookDeliveriesRepository;
  targets: TargetPolicy;
  timeoutMs: number;
  /** Resolves the targets' host names; the system resolver unless a test brings its own. */
  resolve?: ResolveHost;
}

export function authorizationChangedBody(payload: Record<string, unknown>, receivedAt: Date) {
  return {
    vehicle: { vin: payload.vin },
    event: { type: 'authorization_changed', received_at: receivedAt.toISOString(), action: 'automatic' },
    application: { id: payload.clientId },
    authorization: { status: payload.status },
  };
}

/** Why an attempt failed, in the words the delivery log keeps (undici's "fetch failed" says little alone). */
function failureOf(thrown: unknown, timeoutMs: number): string {
  const error = thrown as Error & { cause?: unknown };
  if (error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

/** The guard's refusal behind a failed attempt, if that is what failed it. */
function refusalOf(thrown: unknown): TargetRefused | undefined {
  if (thrown instanceof TargetRefused) return thrown;
  const cause = (thrown as { cause?: unknown }).cause;
  return cause instanceof TargetRefused ? cause : undefined;
}

export function webhookDeliveryHandler(deps: WebhookDeliveryDependencies) {
  // Every connection is made to an address the guard checked when it connected, so a host whose DNS answer
  // changes after the check below (DNS rebinding) still cannot lead a delivery inside.
  const dispatcher = guardedDispatcher(deps.targets, deps.resolve);
  return async function deliverWebhook(payload: Record<string, unknown>, job: OutboxJob): Promise<void> {
    const app = await deps.apps.find(String(payload.clientId));
    if (!app) throw new PermanentJobFailure('app no longer exists');
    if (!app.webhookUrl) return;
    const url = app.webhookUrl;
    // Kept (abandoned) rather than dropped, so an operator who enables the endpoint again can replay them.
    if (app.webhookDisabled)
      throw new PermanentJobFailure(`webhook endpoint disabled: ${app.webhookDisabled.reason}`);

    const webhookId = `msg_keyturn_${job.id}`;
    const body = JSON.stringify(authorizationChangedBody(payload, new Date(Number(payload.occurredAt))));
    const timestamp = new Date();
    const signature = signatureHeader(app.webhookSecrets, webhookId, timestamp, body);
    const started = Date.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    let refused: TargetRefused | undefined;
    try {
      // A target registered before the rules it now breaks is refused here too, and for good.
      const shape = webhookUrlShapeProblem(url, deps.targets);
      if (shape) throw new TargetRefused(shape);
      await resolveTarget(new URL(url).hostname, deps.targets, deps.resolve);
      const response = await fetch(url, {
        method: 'POST',
        dispatcher,
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
      refused = refusalOf(thrown);
      error = refused ? `refused: ${refused.message}` : failureOf(thrown, deps.timeoutMs);
    }
    await deps.deliveries.record({
      clientId: app.clientId,
      jobId: job.id,
      webhookId,
      eventType: 'authorization_changed',
      url,
      statusCode,
      error,
      durationMs: Date.now() - started,
      attemptedAt: started,
    });
    if (refused) throw new PermanentJobFailure(`webhook to ${url} ${error}`);
    // 410 Gone: the endpoint is gone for good (RFC 9110 §15.5.11): stop sending until an operator enables it.
    if (statusCode === 410) {
      await deps.apps.disableWebhook(app.clientId, `${url} answered 410 Gone`);
      throw new PermanentJobFailure(`webhook to ${url} answered 410 Gone; the endpoint is disabled`);
    }
    if (error) throw new Error(`webhook to ${url} failed: ${error}`);
  };
}
