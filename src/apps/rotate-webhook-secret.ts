// Rotating an app's webhook signing secret (`keyturn apps rotate-webhook-secret`): a new secret signs from
// now on, and the previous one beside it until the overlap ends, so the app can switch without a refusal.
import { NotFound } from '../errors.ts';
import type { AppsRepository } from '../storage/apps.ts';
import { rotateWebhookSecret } from '../webhooks/signing-secrets.ts';

export interface RotatedWebhookSecret {
  client_id: string;
  webhook_secret: string;
  /** When the previous secret stops signing (ISO 8601). */
  previous_secret_expires_at: string;
}

export async function rotateAppWebhookSecret(
  apps: AppsRepository,
  clientId: string,
  overlapSeconds: number,
): Promise<RotatedWebhookSecret> {
  const secrets = await rotateWebhookSecret(apps, clientId, overlapSeconds);
  if (!secrets)
    throw new NotFound('unknown_app', { cause: `no app with client_id ${clientId} (see keyturn apps list)` });
  return {
    client_id: clientId,
    webhook_secret: secrets.current,
    previous_secret_expires_at: new Date(secrets.previousExpiresAt ?? Date.now()).toISOString(),
  };
}
