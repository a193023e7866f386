// The authorization server's artifacts (sessions, interactions, grants, codes, tokens), one table for
// every model, each row a JSON payload under (model, id); bearer credentials under the hash of their value
// (./artifact-keys.ts). `consume` is a conditional UPDATE, so of two parallel redemptions of one code
// exactly one succeeds; `claimOnce` is one conditional INSERT, so of two parallel claims of one key (a
// replayed `jti`) exactly one succeeds. Interactions, which every journey step reads, are cached rows.
import type { Database } from '../db/index.ts';
import { type ClearanceStatus, storedClearanceStatus } from '../domain/clearance/status.ts';
import { artifactKey } from './artifact-keys.ts';

export interface PayloadRow {
  payload: string;
  expires_at: number | null;
  consumed_at: number | null;
}

/** A token row joined with its clearance, which also carries the grant's expiry (introspection). */
export interface IntrospectionRow extends PayloadRow {
  grant_expires_at: number | null;
  status: ClearanceStatus;
  vin: string;
  brand: string;
  client_id: string;
  account_id: string;
}

/** Interactions under way at once on one instance (one per journey), as for journeys. */
const cachedInteractions = 2_000;

export function oidcPayloadsRepository(database: Database) {
  const interactions = database.cachedRows<PayloadRow>('interactions', {
    capacity: cachedInteractions,
    load: "select payload, expires_at, consumed_at from oidc_payloads where model = 'Interaction' and id = ?",
  });
  // Every artifact passes through these on the token endpoint and the journey: fixed statements.
  const upsertRow = database.statement(
    `insert into oidc_payloads (model, id, payload, grant_id, uid, expires_at) values (?, ?, ?, ?, ?, ?)
      on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id,
      uid = excluded.uid, expires_at = excluded.expires_at`,
  );
  // A claim takes the key when no row holds it, or over a row that has expired (not yet swept); a live row
  // wins, and the statement then changes nothing. One statement, so concurrent claims cannot both succeed.
  const insertClaim = database.statement(
    `insert into oidc_payloads (model, id, payload, expires_at) values (?, ?, ?, ?)
      on conflict (model, id) do update set payload = excluded.payload, grant_id = null, uid = null,
      expires_at = excluded.expires_at, consumed_at = null
      where oidc_payloads.expires_at is not null and oidc_payloads.expires_at <= ?`,
  );
  const selectById = database.readStatement<PayloadRow>(
    'select payload, expires_at, consumed_at from oidc_payloads where model = ? and id = ?',
  );
  const selectByUid = database.statement<PayloadRow>(
    'select payload, expires_at, consumed_at from oidc_payloads where model = ? and uid = ?',
  );
  const markConsumed = database.statement(
    'update oidc_payloads set consumed_at = ? where model = ? and id = ? and consumed_at is null',
  );
  const deleteById = database.statement('delete from oidc_payloads where model = ? and id = ?');
  const deleteGrant = database.statement(
    "delete from oidc_payloads where grant_id = ? or (model = 'Grant' and id = ?)",
  );
  const deleteByGrant = database.statement('delete from oidc_payloads where grant_id = ?');
  const deleteExpired = database.statement('delete from oidc_payloads where expires_at <= ?');
  // Data consumers' hottest path: the token, its grant and its clearance in one read of committed rows.
  const selectForIntrospection = database.readStatement<IntrospectionRow>(
    `select t.payload, t.expires_at, t.consumed_at, c.grant_expires_at,
        c.status, c.vin, c.brand, c.client_id, c.account_id
      from oidc_payloads t
      join clearances c on c.grant_id = t.grant_id
      where t.model = ? and t.id = ?`,
  );
  const isInteraction = (model: string) => model === 'Interaction';

  return {
    /** Stores `payload` (already in its stored form) as the artifact `id` of `model`. */
    async save(
      model: string,
      id: string,
      payload: string,
      refs: { grantId: string | null; uid: string | null; expiresAt: number | null },
    ): Promise<void> {
      const values = [model, artifactKey(model, id), payload, refs.grantId, refs.uid, refs.expiresAt];
      if (isInteraction(model)) await interactions.write(id, upsertRow, ...values);
      else await upsertRow.run(...values);
    },
    /**
     * Stores `payload` as the artifact `id` of `model` unless a live one is stored under that key; true when
     * this call stored it (the first use of the key until `expiresAt`, epoch ms), false otherwise.
     */
    async claimOnce(
      model: string,
      id: string,
      payload: string,
      expiresAt: number,
      now = Date.now(),
    ): Promise<boolean> {
      if (isInteraction(model)) throw new Error('interactions are saved, never claimed');
      return (await insertClaim.run(model, artifactKey(model, id), payload, expiresAt, now)) === 1;
    },
    find(model: string, id: string): Promise<PayloadRow | undefined> {
      return isInteraction(model) ? interactions.get(id) : selectById.get(model, artifactKey(model, id));
    },
    findByUid(model: string, uid: string): Promise<PayloadRow | undefined> {
      return selectByUid.get(model, uid);
    },
    /** Marks the artifact used; false when it was used already. */
    async consume(model: string, id: string, now = Date.now()): Promise<boolean> {
      const key = artifactKey(model, id);
      const updated = isInteraction(model)
        ? await interactions.write(id, markConsumed, now, model, key)
        : await markConsumed.run(now, model, key);
      return updated === 1;
    },
    async destroy(model: string, id: string): Promise<void> {
      const key = artifactKey(model, id);
      if (isInteraction(model)) await interactions.write(id, deleteById, model, key);
      else await deleteById.run(model, key);
    },
    /** Deletes every artifact issued under the grant (any model); the delete may touch interactions. */
    async revokeByGrantId(grantId: string): Promise<void> {
      await interactions.writeAny(deleteByGrant, grantId);
    },
    /** Deletes the grant itself and every artifact issued under it. */
    async deleteGrant(grantId: string): Promise<void> {
      await interactions.writeAny(deleteGrant, grantId, grantId);
    },
    /** The token presented (its value, hashed here into the key it is stored under) with its clearance. */
    async findForIntrospection(
      model: 'AccessToken' | 'RefreshToken',
      token: string,
    ): Promise<IntrospectionRow | undefined> {
      const row = await selectForIntrospection.get(model, artifactKey(model, token));
      if (row) storedClearanceStatus(row.status, `the clearance of a ${model}`);
      return row;
    },
    /** Deletes artifacts past their expiry; the authorization server never does. Returns how many. */
    sweepExpired(now = Date.now()): Promise<number> {
      return interactions.writeAny(deleteExpired, now);
    },
  };
}

export type OidcPayloadsRepository = ReturnType<typeof oidcPayloadsRepository>;
