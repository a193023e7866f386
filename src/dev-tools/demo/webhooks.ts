// The demo app's webhook endpoint: verifies Keyturn's Standard Webhooks signature with the demo app's
// secret through `keyturn/client`, as an integrator would, acknowledges a verified webhook (204) and refuses any other (401). Both
// are listed on the demo's pages (./received-events.ts), the refused ones marked as not verified.
import type { Context } from 'koa';
import { verifyWebhook, WebhookVerificationError } from '../../client/index.ts';
import type { Logger } from '../../logger.ts';
import { readRawBody } from '../../web/raw-body.ts';
import { describeBody, type ReceivedEvents, readUnverified } from './received-events.ts';

export function demoWebhookEndpoint(webhookSecret: string, events: ReceivedEvents, logger: Logger) {
  return async function demoWebhook(ctx: Context) {
    const body = await readRawBody(ctx, 64 * 1024);
    if (body === undefined) {
      ctx.status = 413;
      return;
    }
    let event: unknown;
    try {
      event = verifyWebhook(body, ctx.headers, webhookSecret).body;
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      events.record(readUnverified(body), false);
      logger.warn('demo app refused a webhook whose signature did not verify');
      ctx.status = 401;
      ctx.body = { error: 'invalid_signature' };
      return;
    }
    events.record(event, true);
    // The event's type only: its body names the vehicle (VIN), which no log line holds.
    logger.info({ type: describeBody(event).type }, 'demo app received a verified webhook');
    ctx.status = 204;
  };
}
