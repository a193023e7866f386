// oidc-provider's storage adapter over knex (one table for every model the library persists), plus the
// Client model, which is read from Keyturn's own apps and consumers. `consume` is a conditional UPDATE,
// so of two parallel redemptions of one code exactly one succeeds.

import type { Knex } from 'knex';
import { errors } from 'oidc-provider';
import type { HotReads, PayloadRow } from './hot-reads.ts';
import { executor, isInTransaction } from './transaction.ts';

export interface StoredPayload {
  grantId?: string;
  uid?: string;
  userCode?: string;
  consumed?: number;
  [key: string]: unknown;
}

export type ClientLoader = (clientId: string) => Promise<Record<string, unknown> | undefined>;

export interface OidcAdapter {
  upsert(id: string, payload: StoredPayload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<StoredPayload | undefined>;
  findByUid(uid: string): Promise<StoredPayload | undefined>;
  findByUserCode(userCode: string): Promise<StoredPayload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

function toPayload(row: PayloadRow | undefined, now: number): StoredPayload | undefined {
  if (!row) return undefined;
  if (row.expires_at !== null && row.expires_at <= now) return undefined;
  const payload = JSON.parse(row.payload) as StoredPayload;
  if (row.consumed_at !== null) payload.consumed = Math.floor(row.consumed_at / 1000);
  return payload;
}

/** Returns the adapter class oidc-provider instantiates once per model name. */
export function knexAdapterFactory(knex: Knex, hot: () => HotReads, loadClient: ClientLoader) {
  const table = 'oidc_payloads';

  class ClientAdapter implements OidcAdapter {
    async find(id: string) {
      return (await loadClient(id)) as StoredPayload | undefined;
    }
    async upsert() {
      throw new Error('clients are managed with the keyturn CLI');
    }
    async findByUid() {
      return undefined;
    }
    async findByUserCode() {
      return undefined;
    }
    async consume() {}
    async destroy() {}
    async revokeByGrantId() {}
  }

  class PayloadAdapter implements OidcAdapter {
    constructor(private readonly model: string) {}

    private rows() {
      return executor(knex)(table).where('model', this.model);
    }

    async upsert(id: string, payload: StoredPayload, expiresIn?: number) {
      const row = {
        model: this.model,
        id,
        payload: JSON.stringify(payload),
        grant_id: payload.grantId ?? null,
        uid: payload.uid ?? null,
        expires_at: expiresIn ? Date.now() + expiresIn * 1000 : null,
      };
      await executor(knex)(table)
        .insert(row)
        .onConflict(['model', 'id'])
        .merge(['payload', 'grant_id', 'uid', 'expires_at']);
    }

    async find(id: string) {
      const row = isInTransaction()
        ? await this.rows()
            .where('id', id)
            .first<PayloadRow | undefined>('payload', 'expires_at', 'consumed_at')
        : await hot().payload(this.model, id);
      return toPayload(row, Date.now());
    }

    async findByUid(uid: string) {
      const row = await this.rows()
        .where('uid', uid)
        .first<PayloadRow | undefined>('payload', 'expires_at', 'consumed_at');
      return toPayload(row, Date.now());
    }

    async findByUserCode() {
      return undefined;
    }

    async consume(id: string) {
      const updated = await this.rows()
        .where('id', id)
        .whereNull('consumed_at')
        .update({ consumed_at: Date.now() });
      if (updated === 0) throw new errors.InvalidGrant(`${this.model} already consumed`);
    }

    async destroy(id: string) {
      await this.rows().where('id', id).delete();
    }

    async revokeByGrantId(grantId: string) {
      await executor(knex)(table).where('grant_id', grantId).delete();
    }
  }

  return class KnexAdapter implements OidcAdapter {
    private readonly delegate: OidcAdapter;
    constructor(model: string) {
      this.delegate = model === 'Client' ? new ClientAdapter() : new PayloadAdapter(model);
    }
    upsert(id: string, payload: StoredPayload, expiresIn?: number) {
      return this.delegate.upsert(id, payload, expiresIn);
    }
    find(id: string) {
      return this.delegate.find(id);
    }
    findByUid(uid: string) {
      return this.delegate.findByUid(uid);
    }
    findByUserCode(userCode: string) {
      return this.delegate.findByUserCode(userCode);
    }
    consume(id: string) {
      return this.delegate.consume(id);
    }
    destroy(id: string) {
      return this.delegate.destroy(id);
    }
    revokeByGrantId(grantId: string) {
      return this.delegate.revokeByGrantId(grantId);
    }
  };
}

/** Deletes artifacts past their expiry; oidc-provider never does. Returns the number removed. */
export async function sweepExpiredPayloads(knex: Knex, now = Date.now()): Promise<number> {
  return knex('oidc_payloads').where('expires_at', '<=', now).delete();
}
