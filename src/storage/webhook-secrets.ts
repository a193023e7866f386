// What whoever receives webhooks (apps, fleets) keeps about its endpoint: the Standard Webhooks signing
// secrets (the current secret and, during a rotation's overlap, the previous one until it expires; columns
// webhook_secret, previous_webhook_secret, previous_webhook_secret_expires_at) and whether the endpoint is
// disabled (webhook_disabled_at, webhook_disabled_reason), and the vehicle event types it subscribed to
// (event_types, a JSON list), in the receiver's own table.
import type { Database } from '../db/index.ts';
import { isVehicleEventType, type VehicleEventType } from '../domain/vehicle-events.ts';

export interface WebhookSecrets {
  current: string;
  previous: string | null;
  /** Epoch milliseconds after which `previous` no longer signs. */
  previousExpiresAt: number | null;
}

export interface WebhookSecretColumns {
  webhook_secret: string;
  previous_webhook_secret: string | null;
  /** PostgreSQL returns a bigint as a string. */
  previous_webhook_secret_expires_at: number | string | null;
}

export const toWebhookSecrets = (row: WebhookSecretColumns): WebhookSecrets => ({
  current: row.webhook_secret,
  previous: row.previous_webhook_secret,
  previousExpiresAt:
    row.previous_webhook_secret_expires_at === null ? null : Number(row.previous_webhook_secret_expires_at),
});

export const webhookSecretColumns = (secrets: WebhookSecrets): WebhookSecretColumns => ({
  webhook_secret: secrets.current,
  previous_webhook_secret: secrets.previous,
  previous_webhook_secret_expires_at: secrets.previousExpiresAt,
});

/** Set when the endpoint answered 410 Gone: nothing is delivered until an operator enables it again. */
export type WebhookDisabled = { at: number; reason: string } | null;

export interface WebhookDisabledColumns {
  /** PostgreSQL returns a bigint as a string. */
  webhook_disabled_at: number | string | null;
  webhook_disabled_reason: string | null;
}

export const toWebhookDisabled = (row: WebhookDisabledColumns): WebhookDisabled =>
  row.webhook_disabled_at === null
    ? null
    : { at: Number(row.webhook_disabled_at), reason: row.webhook_disabled_reason ?? '' };

/** The columns of a disabled endpoint (reason cut to 500 characters), or of an enabled one (null). */
export const webhookDisabledColumns = (disabled: WebhookDisabled): WebhookDisabledColumns => ({
  webhook_disabled_at: disabled?.at ?? null,
  webhook_disabled_reason: disabled ? disabled.reason.slice(0, 500) : null,
});

/** The secrets of the row whose `key` column is `id`; undefined when there is no such row. */
export async function findWebhookSecrets(
  database: Database,
  table: string,
  key: string,
  id: string,
): Promise<WebhookSecrets | undefined> {
  const row = await database
    .query()<WebhookSecretColumns>(table)
    .select('webhook_secret', 'previous_webhook_secret', 'previous_webhook_secret_expires_at')
    .where(key, id)
    .first();
  return row ? toWebhookSecrets(row) : undefined;
}

/**
 * Stores `next` on the row whose `key` column is `id`, only if its current secret is still `expected` (a
 * concurrent rotation is not overwritten); false when nothing was stored.
 */
export async function replaceWebhookSecrets(
  database: Database,
  table: string,
  key: string,
  id: string,
  expected: string,
  next: WebhookSecrets,
): Promise<boolean> {
  const updated = await database
    .query()(table)
    .where(key, id)
    .andWhere('webhook_secret', expected)
    .update(webhookSecretColumns(next));
  return updated === 1;
}

/** The vehicle event types a receiver subscribed to (a type no longer known is left out). */
export const toEventTypes = (row: { event_types: string }): VehicleEventType[] =>
  (JSON.parse(row.event_types) as unknown[]).filter(isVehicleEventType);

export const eventTypesColumn = (types: readonly VehicleEventType[]) => ({
  event_types: JSON.stringify([...new Set(types)].sort()),
});
