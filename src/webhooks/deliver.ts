// Outbound webhooks (status changes, vehicle events, pings; see ./kinds.ts), signed per
// Standard Webhooks with the receiver's secret (and its previous one during a rotation's overlap), sent only
// to targets the target guard accepts (checked again at every attempt and when connecting). At-least-once
// from the outbox: the same `webhook-id` on every redelivery; only 2xx counts (3xx is a failure, redirects
// are never followed); each attempt has a timeout and is written to the receiver's delivery log.
import { fetch } from 'undici';
import type { LabelledCounter } from '../metrics/registry.ts';
import { PermanentJobFailure } from '../outbox/jobs.ts';
import type { OutboxJob } from '../outbox/store.ts';
import type { WebhookDeliveriesRepository } from '../storage/webhook-deliveries.ts';
import type { WebhookSecrets } from '../storage/webhook-secrets.ts';
import { signatureHeader } from './signing-secrets.ts';
import {
  guardedDispatcher,
  type ResolveHost,
  resolveTarget,
  type TargetPolicy,
  TargetRefused,
  webhookUrlShapeProblem,
} from './target-guard.ts';

/** Whoever receives a kind of webhook (an app, a fleet): where, with which secrets, and whether it is on. */
export interface WebhookReceiver {
  /** The OAuth client the delivery log is kept under. */
  clientId: string;
  webhookUrl: string | null;
  webhookSecrets: WebhookSecrets;
  webhookDisabled: { at: number; reason: string } | null;
}

/** One kind of webhook: whom a job's payload goes to, and what it says. */
export interface WebhookKind {
  eventType: string;
  /** The event type of one job, where the kind carries several (the delivery log names it). */
  eventTypeOf?(payload: Record<string, unknown>): string;
  receiverOf(payload: Record<string, unknown>): Promise<WebhookReceiver | undefined>;
  body(payload: Record<string, unknown>, receivedAt: Date): Promise<unknown> | unknown;
  /** Stops deliveries to a receiver whose endpoint is gone for good. */
  disable(receiver: WebhookReceiver, reason: string): Promise<void>;
}

export interface WebhookDeliveryDependencies {
  kind: WebhookKind;
  deliveries: WebhookDeliveriesRepository;
  targets: TargetPolicy;
  timeoutMs: number;
  /** Resolves the targets' host names; the system resolver unless a test brings its own. */
  resolve?: ResolveHost;
  /** Counts the attempts by kind (the kind's event type) and outcome: delivered, failed or refused. */
  deliveriesCounted?: LabelledCounter<'kind' | 'outcome'>;
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
    const receiver = await deps.kind.receiverOf(payload);
    if (!receiver) throw new PermanentJobFailure('the receiver no longer exists');
    if (!receiver.webhookUrl) return;
    const url = receiver.webhookUrl;
    // Kept (abandoned) rather than dropped, so an operator who enables the endpoint again can replay them.
    if (receiver.webhookDisabled)
      throw new PermanentJobFailure(`webhook endpoint disabled: ${receiver.webhookDisabled.reason}`);

    const webhookId = `msg_keyturn_${job.id}`;
    const body = JSON.stringify(await deps.kind.body(payload, new Date(Number(payload.occurredAt))));
    const timestamp = new Date();
    const signature = signatureHeader(receiver.webhookSecrets, webhookId, timestamp, body);
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
      clientId: receiver.clientId,
      jobId: job.id,
      webhookId,
      eventType: deps.kind.eventTypeOf?.(payload) ?? deps.kind.eventType,
      url,
      statusCode,
      error,
      durationMs: Date.now() - started,
      attemptedAt: started,
    });
    deps.deliveriesCounted?.inc({
      kind: deps.kind.eventType,
      outcome: refused ? 'refused' : error ? 'failed' : 'delivered',
    });
    if (refused) throw new PermanentJobFailure(`webhook to ${url} ${error}`);
    // 410 Gone: the endpoint is gone for good (RFC 9110 §15.5.11): stop sending until an operator enables it.
    if (statusCode === 410) {
      await deps.kind.disable(receiver, `${url} answered 410 Gone`);
      throw new PermanentJobFailure(`webhook to ${url} answered 410 Gone; the endpoint is disabled`);
    }
    if (error) throw new Error(`webhook to ${url} failed: ${error}`);
  };
}
