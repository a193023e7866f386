// POST /callbacks/:provider — the makers' signed events (Standard Webhooks: webhook-id, webhook-timestamp,
// webhook-signature; HMAC-SHA256 compared in constant time; 5-minute tolerance): `authorization_changed`
// moves the clearance, a vehicle event (./vehicle-event-schema.ts) goes on to the receiver that subscribed.
// Bad or missing signature, changed body, stale or future timestamp, another provider's secret → 401,
// nothing changes. Malformed body, unknown event type or status → 400. Unknown clearance, or another
// provider's or vehicle's → 404. Duplicates → 2xx and exactly one change, one webhook, one charge.
import Router from '@koa/router';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { ClearanceEvent } from '../domain/clearance/state-machine.ts';
import { eventForOemStatus } from '../domain/clearance/state-machine.ts';
import { InvalidInput, NotFound, ServiceBusy, Unauthorized } from '../errors.ts';
import type { LabelledCounter } from '../metrics/registry.ts';
import { acceptVehicleEvent, type VehicleEventStore } from '../relay/accept-vehicle-event.ts';
import { applyClearanceEvent } from '../relay/apply-clearance-event.ts';
import { type BulkQueue, bulkQueue } from '../web/bulk-queue.ts';
import { readRawBody } from '../web/raw-body.ts';
import { callbackSchema } from './vehicle-event-schema.ts';

const maxBodyBytes = 64 * 1024;

/**
 * Callbacks run as many at a time as keep the database busy (its write concurrency), and no more: more
 * in parallel buys callbacks per second at the price of introspection's tail latency beside them, and
 * introspection is the path that must stay fast. 1,000 waiting is a generous burst.
 */
export function callbackQueue(writeConcurrency: number): BulkQueue {
  return bulkQueue({ concurrency: writeConcurrency, maxWaiting: 1000 });
}

/** How a refused callback is counted: a bounded set of outcomes, whatever was thrown. */
function refusalOutcome(error: unknown): string {
  if (error instanceof Unauthorized) return 'unauthorized';
  if (error instanceof InvalidInput) return 'invalid';
  if (error instanceof NotFound) return 'not_found';
  if (error instanceof ServiceBusy) return 'busy';
  return 'error';
}

export function callbacksRouter(
  store: VehicleEventStore,
  secretFor: (provider: string) => string | undefined,
  queue: BulkQueue,
  /** Counts the callbacks by provider (`unknown` for one not configured) and outcome. */
  outcomes?: LabelledCounter<'provider' | 'outcome'>,
): Router {
  const router = new Router({ prefix: '/callbacks' });
  const verifiers = new Map<string, Webhook>();
  const verifierFor = (provider: string) => {
    const secret = secretFor(provider);
    if (!secret) return undefined;
    let verifier = verifiers.get(secret);
    if (!verifier) {
      verifier = new Webhook(secret);
      verifiers.set(secret, verifier);
    }
    return verifier;
  };

  router.post('/:provider', async (ctx) => {
    const provider = ctx.params.provider as string;
    const verifier = verifierFor(provider);
    if (!verifier) {
      outcomes?.inc({ provider: 'unknown', outcome: 'not_found' });
      throw new NotFound();
    }
    try {
      const body = await readRawBody(ctx, maxBodyBytes);
      if (body === undefined) throw new InvalidInput({ messageKey: 'errors:payload_too_large' });
      const headers = {
        'webhook-id': ctx.get('webhook-id'),
        'webhook-timestamp': ctx.get('webhook-timestamp'),
        'webhook-signature': ctx.get('webhook-signature'),
      };
      const result = await queue.run(() => handleCallback(provider, verifier, body, headers));
      outcomes?.inc({ provider, outcome: result.outcome });
      ctx.body = result;
      ctx.status = 200;
    } catch (error) {
      outcomes?.inc({ provider, outcome: refusalOutcome(error) });
      throw error;
    }
  });

  async function handleCallback(
    provider: string,
    verifier: Webhook,
    body: string,
    headers: Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>,
  ) {
    // verify() returns the body JSON.parsed once the signature holds; a SyntaxError is a malformed body.
    let payload: unknown;
    try {
      payload = verifier.verify(body, headers);
    } catch (error) {
      if (error instanceof WebhookVerificationError) throw new Unauthorized('invalid_signature');
    }
    const checked = callbackSchema.safeParse(payload);
    if (!checked.success) throw new InvalidInput({ messageKey: 'errors:invalid_callback' });
    const parsed = checked.data;
    const sourceEventId = `${provider}:${headers['webhook-id']}`;
    const vin = parsed.data.vin.toUpperCase();
    const occurredAt = Date.parse(parsed.timestamp);
    if (parsed.type !== 'authorization_changed') {
      const { clearance_id: clearanceId, vin: _vin, ...data } = parsed.data;
      const result = await acceptVehicleEvent(store, {
        clearanceId,
        provider,
        vin,
        sourceEventId,
        type: parsed.type,
        occurredAt,
        receivedAt: Date.now(),
        data,
      });
      if (result.outcome === 'not_found') throw new NotFound('unknown_clearance');
      return result;
    }
    const event: ClearanceEvent | undefined = eventForOemStatus(parsed.data.status);
    if (!event) throw new InvalidInput({ messageKey: 'errors:invalid_callback' });
    const result = await applyClearanceEvent(store, {
      clearanceId: parsed.data.clearance_id,
      event,
      cause: `oem_${parsed.data.status}`,
      sourceEventId,
      provider,
      vin,
      occurredAt,
    });
    if (result.outcome === 'not_found') throw new NotFound('unknown_clearance');
    return { outcome: result.outcome };
  }
  return router;
}
