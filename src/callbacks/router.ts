// POST /callbacks/:provider — the makers' signed events (Standard Webhooks: webhook-id, webhook-timestamp,
// webhook-signature; HMAC-SHA256 compared in constant time; 5-minute tolerance). Bad or missing signature,
// changed body, stale or future timestamp, another provider's secret → 401, nothing changes. Malformed
// body or unknown status → 400. Unknown clearance → 404. Duplicates → 2xx and exactly one change.
import Router from '@koa/router';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { z } from 'zod';
import type { ClearanceEvent } from '../domain/clearance/state-machine.ts';
import { eventForOemStatus } from '../domain/clearance/state-machine.ts';
import { InvalidInput, NotFound, Unauthorized } from '../errors.ts';
import { applyClearanceEvent, type RelayStore } from '../relay/apply-clearance-event.ts';
import { type BulkQueue, bulkQueue } from '../web/bulk-queue.ts';
import { readRawBody } from '../web/raw-body.ts';

const maxBodyBytes = 64 * 1024;

const callbackSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('authorization_changed'),
    timestamp: z.iso.datetime({ offset: true }),
    data: z.object({ clearance_id: z.string().min(1).max(255), vin: z.string().max(17), status: z.string() }),
  }),
  z.object({
    type: z.literal('vehicle_location_changed'),
    timestamp: z.iso.datetime({ offset: true }),
    data: z.object({ clearance_id: z.string().min(1).max(255), vin: z.string().max(17) }).loose(),
  }),
]);

/**
 * Callbacks run as many at a time as keep the database busy (its write concurrency), and no more: more
 * in parallel buys callbacks per second at the price of introspection's tail latency beside them, and
 * introspection is the path that must stay fast. 1,000 waiting is a generous burst.
 */
export function callbackQueue(writeConcurrency: number): BulkQueue {
  return bulkQueue({ concurrency: writeConcurrency, maxWaiting: 1000 });
}

export function callbacksRouter(
  store: RelayStore,
  secretFor: (provider: string) => string | undefined,
  queue: BulkQueue,
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
    if (!verifier) throw new NotFound();
    const body = await readRawBody(ctx, maxBodyBytes);
    if (body === undefined) throw new InvalidInput({ messageKey: 'errors:payload_too_large' });
    const headers = {
      'webhook-id': ctx.get('webhook-id'),
      'webhook-timestamp': ctx.get('webhook-timestamp'),
      'webhook-signature': ctx.get('webhook-signature'),
    };
    ctx.body = await queue.run(() => handleCallback(provider, verifier, body, headers));
    ctx.status = 200;
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
    let event: ClearanceEvent | undefined;
    if (parsed.type === 'authorization_changed') event = eventForOemStatus(parsed.data.status);
    else event = 'data_received';
    if (!event) throw new InvalidInput({ messageKey: 'errors:invalid_callback' });

    const result = await applyClearanceEvent(store, {
      clearanceId: parsed.data.clearance_id,
      event,
      cause: parsed.type === 'authorization_changed' ? `oem_${parsed.data.status}` : 'oem_first_position',
      sourceEventId: `${provider}:${headers['webhook-id']}`,
      provider,
      vin: parsed.data.vin.toUpperCase(),
      occurredAt: Date.parse(parsed.timestamp),
    });
    if (result.outcome === 'not_found') throw new NotFound('unknown_clearance');
    return { outcome: result.outcome };
  }
  return router;
}
