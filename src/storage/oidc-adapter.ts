// oidc-provider's storage adapter over knex (one table for every model the library persists), plus the
// Client model, which is read from Keyturn's own apps and consumers. `consume` is a conditional UPDATE,
// so of two parallel redemptions of one code exactly one succeeds. Codes and tokens are stored under the
// hash of their value (artifact-keys.ts). Interactions, which every journey step reads, go through a cache
// of committed rows on SQLite (row-cache.ts).

import type { Knex } from 'knex';
import { errors } from 'oidc-provider';
import { artifactKey, loadedPayload, storedPayload } from './artifact-keys.ts';
import type { HotReads, PayloadRow } from './hot-reads.ts';
import { passThrough, type RowCache, rowCache } from './row-cache.ts';
import { statement } from './statement.ts';
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

/** Interactions under way at once on one SQLite instance (one per journey), as for journeys. */
const cachedInteractions = 2_000;

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

  // Every artifact passes through these on the token endpoint and the journey: fixed statements.
  const upsertRow = statement(
    knex,
    `insert into ${table} (model, id, payload, grant_id, uid, expires_at) values (?, ?, ?, ?, ?, ?)
      on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id,
      uid = excluded.uid, expires_at = excluded.expires_at`,
  );
  const selectById = statement<PayloadRow>(
    knex,
    `select payload, expires_at, consumed_at from ${table} where model = ? and id = ?`,
  );
  const selectByUid = statement<PayloadRow>(
    knex,
    `select payload, expires_at, consumed_at from ${table} where model = ? and uid = ?`,
  );
  const markConsumed = statement(
    knex,
    `update ${table} set consumed_at = ? where model = ? and id = ? and consumed_at is null`,
  );
  const deleteById = statement(knex, `delete from ${table} where model = ? and id = ?`);

  const interactions = rowCache<PayloadRow>(knex, 'interactions', cachedInteractions);
  const uncached = passThrough<PayloadRow>();

  class PayloadAdapter implements OidcAdapter {
    private readonly cache: RowCache<PayloadRow>;
    constructor(private readonly model: string) {
      this.cache = model === 'Interaction' ? interactions : uncached;
    }

    async upsert(id: string, payload: StoredPayload, expiresIn?: number) {
      this.cache.forget(id);
      await upsertRow.run(
        this.model,
        artifactKey(this.model, id),
        JSON.stringify(storedPayload(this.model, payload)),
        payload.grantId ?? null,
        payload.uid ?? null,
        expiresIn ? Date.now() + expiresIn * 1000 : null,
      );
    }

    async find(id: string) {
      const key = artifactKey(this.model, id);
      const row = isInTransaction()
        ? await selectById.get(this.model, key)
        : await this.cache.get(id, () => hot().payload(this.model, key));
      const payload = toPayload(row, Date.now());
      return payload && loadedPayload(this.model, id, payload);
    }

    async findByUid(uid: string) {
      return toPayload(await selectByUid.get(this.model, uid), Date.now());
    }

    async findByUserCode() {
      return undefined;
    }

    async consume(id: string) {
      this.cache.forget(id);
      const updated = await markConsumed.run(Date.now(), this.model, artifactKey(this.model, id));
      if (updated === 0) throw new errors.InvalidGrant(`${this.model} already consumed`);
    }

    async destroy(id: string) {
      this.cache.forget(id);
      await deleteById.run(this.model, artifactKey(this.model, id));
    }

    async revokeByGrantId(grantId: string) {
      // The delete spans every model's rows of the grant, whichever model's adapter was asked.
      interactions.clear();
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
