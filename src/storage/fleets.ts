// Fleets: operators registering the vehicles they own. A fleet is an OAuth client (client credentials) with
// a webhook endpoint of its own. Read on every fleet API request: `find…` keeps a fleet for ten seconds,
// and this repository's own writes forget it at once.
import type { Database } from '../db/index.ts';
import { ttlCache } from '../db/ttl-cache.ts';
import {
  findWebhookSecrets,
  replaceWebhookSecrets,
  toWebhookSecrets,
  type WebhookSecretColumns,
  type WebhookSecrets,
  webhookSecretColumns,
} from './webhook-secrets.ts';

export interface Fleet {
  id: string;
  name: string;
  adminEmail: string;
  clientId: string;
  clientSecretHash: string;
  webhookUrl: string | null;
  webhookSecrets: WebhookSecrets;
  webhookDisabled: { at: number; reason: string } | null;
  createdAt: number;
}

interface FleetRow extends WebhookSecretColumns {
  id: string;
  name: string;
  admin_email: string;
  client_id: string;
  client_secret_hash: string;
  webhook_url: string | null;
  webhook_disabled_at: number | string | null;
  webhook_disabled_reason: string | null;
  created_at: number | string;
}

const toFleet = (row: FleetRow): Fleet => ({
  id: row.id,
  name: row.name,
  adminEmail: row.admin_email,
  clientId: row.client_id,
  clientSecretHash: row.client_secret_hash,
  webhookUrl: row.webhook_url,
  webhookSecrets: toWebhookSecrets(row),
  webhookDisabled:
    row.webhook_disabled_at === null
      ? null
      : { at: Number(row.webhook_disabled_at), reason: row.webhook_disabled_reason ?? '' },
  createdAt: Number(row.created_at),
});

export function fleetsRepository(database: Database) {
  const table = () => database.query()<FleetRow>('fleets');
  const selectById = database.readStatement<FleetRow>('select * from fleets where id = ?');
  const selectByClient = database.readStatement<FleetRow>('select * from fleets where client_id = ?');
  const byId = ttlCache<Fleet>();
  const byClient = ttlCache<Fleet>();
  const forget = (fleet: Pick<Fleet, 'id' | 'clientId'>) => {
    byId.forget(fleet.id);
    byClient.forget(fleet.clientId);
  };
  return {
    async insert(fleet: Fleet): Promise<void> {
      forget(fleet);
      await table().insert({
        id: fleet.id,
        name: fleet.name,
        admin_email: fleet.adminEmail,
        client_id: fleet.clientId,
        client_secret_hash: fleet.clientSecretHash,
        webhook_url: fleet.webhookUrl,
        ...webhookSecretColumns(fleet.webhookSecrets),
        webhook_disabled_at: fleet.webhookDisabled?.at ?? null,
        webhook_disabled_reason: fleet.webhookDisabled?.reason ?? null,
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
      const fleet = await this.find(id);
      if (fleet) forget(fleet);
      await table()
        .where({ id })
        .update({ webhook_disabled_at: at, webhook_disabled_reason: reason.slice(0, 500) });
    },
    async enableWebhook(id: string): Promise<boolean> {
      const fleet = await this.find(id);
      if (fleet) forget(fleet);
      const updated = await table()
        .where({ id })
        .update({ webhook_disabled_at: null, webhook_disabled_reason: null });
      return updated === 1;
    },
    findWebhookSecrets(id: string): Promise<WebhookSecrets | undefined> {
      return findWebhookSecrets(database, 'fleets', 'id', id);
    },
    async replaceWebhookSecrets(id: string, expected: string, next: WebhookSecrets): Promise<boolean> {
      const fleet = await this.find(id);
      if (fleet) forget(fleet);
      return replaceWebhookSecrets(database, 'fleets', 'id', id, expected, next);
    },
  };
}

export type FleetsRepository = ReturnType<typeof fleetsRepository>;
