// The demo app's webhook endpoint: verifies Keyturn's Standard Webhooks signature with the demo app's
// secret, as an integrator would, and acknowledges. The demo page itself polls GET /v1/authorization.
import type { Context } from 'koa';
import { Webhook } from 'standardwebhooks';
import type { Logger } from '../../logger.ts';
import { readRawBody } from '../../web/raw-body.ts';

export function demoWebhookEndpoint(webhookSecret: string, logger: Logger) {
  const verifier = new Webhook(webhookSecret);
  return async function demoWebhook(ctx: Context) {
    const body = await readRawBody(ctx, 64 * 1024);
    if (body === undefined) {
      ctx.status = 413;
      return;
    }
    try {
      const event = verifier.verify(body, {
        'webhook-id': ctx.get('webhook-id'),
        'webhook-timestamp': ctx.get('webhook-timestamp'),
        'webhook-signature': ctx.get('webhook-signature'),
      });
      logger.info({ event }, 'demo app received a verified webhook');
      ctx.status = 204;
    } catch {
      ctx.status = 401;
      ctx.body = { error: 'invalid_signature' };
    }
  };
}
