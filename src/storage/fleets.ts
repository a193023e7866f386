// Fleets: operators registering the vehicles they own. A fleet is an OAuth client (client credentials) with
// a webhook endpoint of its own. Read on every fleet API request: `find…` keeps a fleet for ten seconds,
// and this repository's own writes forget it at once (after the write, so a read made meanwhile is not
// kept), telling whoever keeps a copy of their own (the OAuth client loader) through `onChange`.
import type { Database } from '../db/index.ts';
import { ttlCache } from '../db/ttl-cache.ts';
import type { VehicleEventType } from '../domain/vehicle-events.ts';
import {
  eventTypesColumn,
  findWebhookSecrets,
  replaceWebhookSecrets,
  toEventTypes,
  toWebhookDisabled,
  toWebhookSecrets,
  type WebhookDisabled,
  type WebhookDisabledColumns,
  type WebhookSecretColumns,
  type WebhookSecrets,
  webhookDisabledColumns,
  webhookSecretColumns,
} from './webhook-secrets.ts';

export interface Fleet {
  id: string;
  name: string;
  adminEmail: string;
  clientId: string;
  clientSecretHash: string;
  /** The secret the last rotation replaced, accepted beside the current one until `expiresAt` (epoch ms). */
  previousClientSecret?: { hash: string; expiresAt: number } | null;
  webhookUrl: string | null;
  webhookSecrets: WebhookSecrets;
  webhookDisabled: WebhookDisabled;
  /** The vehicle event types it receives (the free status webhooks always go out). */
  eventTypes: VehicleEventType[];
  createdAt: number;
}

interface FleetRow extends WebhookSecretColumns, WebhookDisabledColumns {
  event_types: string;
  id: string;
  name: string;
  admin_email: string;
  client_id: string;
  client_secret_hash: string;
  previous_client_secret_hash: string | null;
  /** PostgreSQL returns a bigint as a string. */
  previous_client_secret_expires_at: number | string | null;
  webhook_url: string | null;
  created_at: number | string;
}

const toFleet = (row: FleetRow): Fleet => ({
  id: row.id,
  name: row.name,
  adminEmail: row.admin_email,
  clientId: row.client_id,
  clientSecretHash: row.client_secret_hash,
  previousClientSecret:
    row.previous_client_secret_hash === null || row.previous_client_secret_expires_at === null
      ? null
      : { hash: row.previous_client_secret_hash, expiresAt: Number(row.previous_client_secret_expires_at) },
  webhookUrl: row.webhook_url,
  webhookSecrets: toWebhookSecrets(row),
  webhookDisabled: toWebhookDisabled(row),
  eventTypes: toEventTypes(row),
  createdAt: Number(row.created_at),
});

export function fleetsRepository(database: Database) {
  const table = () => database.query()<FleetRow>('fleets');
  const selectById = database.readStatement<FleetRow>('select * from fleets where id = ?');
  const selectByClient = database.readStatement<FleetRow>('select * from fleets where client_id = ?');
  const byId = ttlCache<Fleet>();
  const byClient = ttlCache<Fleet>();
  const listeners: Array<(fleet: Pick<Fleet, 'id' | 'clientId'>) => void> = [];
  const forget = (fleet: Pick<Fleet, 'id' | 'clientId'>) => {
    byId.forget(fleet.id);
    byClient.forget(fleet.clientId);
    for (const listener of listeners) listener(fleet);
  };
  /** Runs a write to the fleet `id`, then forgets it: a read made before the write ends is not kept. */
  async function changing<T>(id: string, write: () => Promise<T>): Promise<T> {
    const fleet = await repository.find(id);
    if (fleet) forget(fleet);
    try {
      return await write();
    } finally {
      if (fleet) forget(fleet);
    }
  }
  const repository = {
    async insert(fleet: Fleet): Promise<void> {
      forget(fleet);
      await table().insert({
        id: fleet.id,
        name: fleet.name,
        admin_email: fleet.adminEmail,
        client_id: fleet.clientId,
        client_secret_hash: fleet.clientSecretHash,
        previous_client_secret_hash: fleet.previousClientSecret?.hash ?? null,
        previous_client_secret_expires_at: fleet.previousClientSecret?.expiresAt ?? null,
        webhook_url: fleet.webhookUrl,
        ...webhookSecretColumns(fleet.webhookSecrets),
        ...webhookDisabledColumns(fleet.webhookDisabled),
        ...eventTypesColumn(fleet.eventTypes),
        created_at: fleet.createdAt,
      });
    },
    find(id: string): Promise<Fleet | undefined> {
      return byId.get(id, async () => {
        const row = await selectById.get(id);
        return row ? toFleet(row) : undefined;
      });
    },
    findByClientId(clientId: string): Promise<Fleet | undefined> {
      return byClient.get(clientId, async () => {
        const row = await selectByClient.get(clientId);
        return row ? toFleet(row) : undefined;
      });
    },
    async list(): Promise<Fleet[]> {
      return (await table().orderBy('created_at')).map(toFleet);
    },
    async disableWebhook(id: string, reason: string, at = Date.now()): Promise<void> {
      await changing(id, () => table().where({ id }).update(webhookDisabledColumns({ at, reason })));
    },
    async enableWebhook(id: string): Promise<boolean> {
      const updated = await changing(id, () => table().where({ id }).update(webhookDisabledColumns(null)));
      return updated === 1;
    },
    /** Where the fleet's webhooks go; null: nowhere (the fleet gets none). */
    async setWebhookUrl(id: string, url: string | null): Promise<boolean> {
      const updated = await changing(id, () => table().where({ id }).update({ webhook_url: url }));
      return updated === 1;
    },
    /** Makes `types` the vehicle event types the fleet receives; false when there is no such fleet. */
    async setEventTypes(id: string, types: readonly VehicleEventType[]): Promise<boolean> {
      const updated = await changing(id, () => table().where({ id }).update(eventTypesColumn(types)));
      return updated === 1;
    },
    findWebhookSecrets(id: string): Promise<WebhookSecrets | undefined> {
      return findWebhookSecrets(database, 'fleets', 'id', id);
    },
    async replaceWebhookSecrets(id: string, expected: string, next: WebhookSecrets): Promise<boolean> {
      return changing(id, () => replaceWebhookSecrets(database, 'fleets', 'id', id, expected, next));
    },
    /**
     * Makes `nextHash` the fleet's client secret and keeps the one it replaces (whatever it is at that
     * moment, in the same statement) accepted until `previousExpiresAt`. A previous secret still in its
     * overlap is dropped: only the two newest secrets count. False when there is no such fleet.
     */
    async rotateClientSecret(id: string, nextHash: string, previousExpiresAt: number): Promise<boolean> {
      const updated = await changing(id, () =>
        table()
          .where({ id })
          .update({
            previous_client_secret_hash: database.query().ref('client_secret_hash'),
            previous_client_secret_expires_at: previousExpiresAt,
            client_secret_hash: nextHash,
          }),
      );
      return updated === 1;
    },
    /** Ends the previous client secret's overlap at `at` (now: it is refused from now on). */
    async endClientSecretOverlap(id: string, at = Date.now()): Promise<boolean> {
      const updated = await changing(id, () =>
        table()
          .where({ id })
          .whereNotNull('previous_client_secret_hash')
          .update({ previous_client_secret_expires_at: at }),
      );
      return updated === 1;
    },
    /** Calls `listener` with every fleet this repository changes, once the change is written. */
    onChange(listener: (fleet: Pick<Fleet, 'id' | 'clientId'>) => void): void {
      listeners.push(listener);
    },
  };
  return repository;
}

export type FleetsRepository = ReturnType<typeof fleetsRepository>;
