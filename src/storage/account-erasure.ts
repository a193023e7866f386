// What erasing an owner's account does to the stored data, table by table. Personal data goes: the
// account (email, password hash), its saved vehicles, password links, sessions, journeys, the
// authorization server's sessions and interactions naming it, and every finished job that named it.
// What must stay as proof or for the apps' statements (clearances, consent records, usage lines) stays,
// with its VIN replaced by a pseudonym. Jobs still under way (the apps' and makers' notices of the
// erasure) keep what they need until they finish; `sweepFinishedJobs` then removes them.
import type { Knex } from 'knex';
import type { Database } from '../db/index.ts';

type Query = Knex.QueryBuilder;

/** A LIKE pattern matching `value` as a JSON string anywhere in a payload (wildcards in it escaped). */
const containing = (value: string) => `%${JSON.stringify(value).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Rows whose `payload` names any of `needles` (ids or an address) as a JSON string value. */
function mentioning<Q extends Query>(query: Q, needles: string[]): Q {
  return query.where((where) => {
    for (const needle of needles) where.orWhereRaw("payload like ? escape '\\'", [containing(needle)]);
  }) as Q;
}

export function accountErasureRepository(database: Database) {
  const db = () => database.query();
  return {
    /** Removes the account and everything that names the owner; call it inside the erasure's transaction. */
    async removePersonalData(accountId: string, email: string): Promise<void> {
      await db()('saved_vehicles').where({ account_id: accountId }).delete();
      await db()('password_links').where({ account_id: accountId }).delete();
      await db()('owner_sessions').where({ account_id: accountId }).delete();
      await db()('journeys').where({ account_id: accountId }).orWhere({ email }).delete();
      await db()('oidc_payloads')
        .whereIn('model', ['Session', 'Interaction'])
        .andWhere((where) => {
          mentioning(where as unknown as Query, [accountId, email]);
        })
        .delete();
      await mentioning(db()('outbox'), [accountId, email]).delete();
      await db()('accounts').where({ id: accountId }).delete();
    },

    /**
     * Replaces the VIN of the account's clearances, consent records and usage lines by its pseudonym.
     * A month's running total is shared by every clearance of one app and vehicle, so it keeps the VIN
     * while another owner's clearance still names it.
     */
    async pseudonymiseVehicles(accountId: string, pseudonymOf: (vin: string) => string): Promise<void> {
      const clearances: { id: string; vin: string; client_id: string }[] = await db()('clearances')
        .where({ account_id: accountId })
        .select('id', 'vin', 'client_id');
      for (const clearance of clearances) {
        const pseudonym = pseudonymOf(clearance.vin);
        if (pseudonym === clearance.vin) continue;
        await db()('usage_ledger').where({ clearance_id: clearance.id }).update({ vin: pseudonym });
        const shared = await db()('clearances')
          .where({ client_id: clearance.client_id, vin: clearance.vin })
          .whereNot({ account_id: accountId })
          .first('id');
        if (!shared)
          await db()('usage_totals')
            .where({ client_id: clearance.client_id, vin: clearance.vin })
            .update({ vin: pseudonym });
        await db()('clearances').where({ id: clearance.id }).update({ vin: pseudonym });
      }
      const recorded: { vin: string }[] = await db()('consent_records')
        .where({ account_id: accountId })
        .distinct('vin');
      for (const { vin } of recorded)
        await db()('consent_records')
          .where({ account_id: accountId, vin })
          .update({ vin: pseudonymOf(vin) });
    },

    /**
     * Deletes the finished jobs that named the erased account or its clearances; resolves to the number of
     * such jobs still under way (the erasure checks again later).
     */
    async sweepFinishedJobs(
      accountId: string,
      clearanceIds: string[],
      exceptJobId?: number,
    ): Promise<number> {
      const needles = [accountId, ...clearanceIds];
      await mentioning(db()('outbox'), needles).whereNotNull('done_at').delete();
      const pending = mentioning(db()('outbox'), needles).whereNull('done_at');
      if (exceptJobId !== undefined) pending.whereNot({ id: exceptJobId });
      const row = await pending.count({ count: '*' }).first();
      return Number(row?.count ?? 0);
    },
  };
}

export type AccountErasureRepository = ReturnType<typeof accountErasureRepository>;
