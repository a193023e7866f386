// The owners' dashboard sessions, each stored under the hash of its cookie value (the caller hashes).
import type { Database } from '../db/index.ts';

export function ownerSessionsRepository(database: Database) {
  const db = () => database.query();
  return {
    async create(idHash: string, accountId: string, expiresAt: number): Promise<void> {
      await db()('owner_sessions').insert({
        id_hash: idHash,
        account_id: accountId,
        created_at: Date.now(),
        expires_at: expiresAt,
      });
    },
    /** The account a live session belongs to; undefined when unknown, ended or expired. */
    async accountOf(idHash: string, now = Date.now()): Promise<string | undefined> {
      const row = await db()('owner_sessions')
        .where({ id_hash: idHash })
        .andWhere('expires_at', '>', now)
        .first('account_id');
      return row?.account_id;
    },
    async end(idHash: string): Promise<void> {
      await db()('owner_sessions').where({ id_hash: idHash }).delete();
    },
    /** Ends every session of the account; returns how many there were. */
    async endAllOf(accountId: string): Promise<number> {
      return db()('owner_sessions').where({ account_id: accountId }).delete();
    },
    async sweepExpired(now = Date.now()): Promise<number> {
      return db()('owner_sessions').where('expires_at', '<=', now).delete();
    },
    /** Notes that the owner of the live session confirmed their password at `at`; false when it has ended. */
    async confirm(idHash: string, at = Date.now()): Promise<boolean> {
      const updated = await db()('owner_sessions')
        .where({ id_hash: idHash })
        .andWhere('expires_at', '>', at)
        .update({ confirmed_at: at });
      return updated === 1;
    },
    /** When the owner of the live session last confirmed their password in it; undefined if never. */
    async confirmedAt(idHash: string, now = Date.now()): Promise<number | undefined> {
      const row = await db()('owner_sessions')
        .where({ id_hash: idHash })
        .andWhere('expires_at', '>', now)
        .first('confirmed_at');
      return row?.confirmed_at == null ? undefined : Number(row.confirmed_at);
    },
  };
}

export type OwnerSessionsRepository = ReturnType<typeof ownerSessionsRepository>;
