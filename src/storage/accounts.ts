// Vehicle owners ("drivers"), their saved VINs and their single-use set-password links.
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/index.ts';

export interface Account {
  id: string;
  email: string;
  country: string;
  locale: string;
  hasPassword: boolean;
  createdAt: number;
}

interface AccountRow {
  id: string;
  email: string;
  country: string;
  locale: string;
  password_hash: string | null;
  created_at: number;
  updated_at: number;
}

export interface SavedVehicle {
  vin: string;
  brand: string;
}

const toAccount = (row: AccountRow): Account => ({
  id: row.id,
  email: row.email,
  country: row.country,
  locale: row.locale,
  hasPassword: row.password_hash !== null,
  createdAt: Number(row.created_at),
});

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

export function accountsRepository(database: Database) {
  const db = () => database.query();
  // Every journey of a returning owner and the dashboard read the account by id.
  const selectAccount = database.readStatement<AccountRow>('select * from accounts where id = ?');
  // The journey's account step and consent use these on every first-time authorization.
  const selectByEmail = database.statement<AccountRow>('select * from accounts where email = ?');
  const insertAccount = database.statement(
    `insert into accounts (id, email, country, locale, password_hash, created_at, updated_at)
      values (?, ?, ?, ?, null, ?, ?) on conflict (email) do nothing`,
  );
  const insertSavedVehicle = database.statement(
    `insert into saved_vehicles (account_id, vin, brand, created_at) values (?, ?, ?, ?)
      on conflict (account_id, vin) do nothing`,
  );
  return {
    /** Creates the account, or returns the existing one for that email (`created: false`). */
    async findOrCreate(input: {
      email: string;
      country: string;
      locale: string;
    }): Promise<{ account: Account; created: boolean }> {
      const email = normalizeEmail(input.email);
      const existing = await this.findByEmail(email);
      if (existing) return { account: existing, created: false };
      const now = Date.now();
      const row: AccountRow = {
        id: randomUUID(),
        email,
        country: input.country,
        locale: input.locale,
        password_hash: null,
        created_at: now,
        updated_at: now,
      };
      // A parallel request may have created it meanwhile: then nothing is inserted and that one is used. No
      // constraint error is raised, so this also works inside a PostgreSQL transaction.
      const inserted = await insertAccount.run(row.id, email, row.country, row.locale, now, now);
      if (inserted === 0) {
        const raced = await this.findByEmail(email);
        if (raced) return { account: raced, created: false };
        throw new Error('account neither inserted nor found');
      }
      return { account: toAccount(row), created: true };
    },
    async find(id: string): Promise<Account | undefined> {
      const row = await selectAccount.get(id);
      return row ? toAccount(row) : undefined;
    },
    async findByEmail(email: string): Promise<Account | undefined> {
      const row = await selectByEmail.get(normalizeEmail(email));
      return row ? toAccount(row) : undefined;
    },
    async passwordHashOf(email: string): Promise<{ id: string; passwordHash: string | null } | undefined> {
      const row = await db()<AccountRow>('accounts')
        .where({ email: normalizeEmail(email) })
        .first('id', 'password_hash');
      return row ? { id: row.id, passwordHash: row.password_hash } : undefined;
    },
    async setPassword(id: string, passwordHash: string): Promise<void> {
      await db()('accounts').where({ id }).update({ password_hash: passwordHash, updated_at: Date.now() });
    },
    /**
     * Replaces the hash only while it is still `current` (a conditional update): a rehash at sign-in never
     * overwrites a password set meanwhile. False when the hash had changed.
     */
    async replacePasswordHash(id: string, current: string, next: string): Promise<boolean> {
      const updated = await db()('accounts')
        .where({ id, password_hash: current })
        .update({ password_hash: next, updated_at: Date.now() });
      return updated === 1;
    },
    async saveVehicle(accountId: string, vehicle: SavedVehicle): Promise<void> {
      await insertSavedVehicle.run(accountId, vehicle.vin, vehicle.brand, Date.now());
    },
    async savedVehicles(accountId: string, brand?: string): Promise<SavedVehicle[]> {
      const query = db()('saved_vehicles').where({ account_id: accountId }).orderBy('created_at', 'desc');
      if (brand) query.andWhere({ brand });
      return (await query.select('vin', 'brand')) as SavedVehicle[];
    },
    async createPasswordLink(accountId: string, tokenHash: string, expiresAt: number): Promise<void> {
      await db()('password_links').insert({
        token_hash: tokenHash,
        account_id: accountId,
        expires_at: expiresAt,
        created_at: Date.now(),
      });
    },
    async findPasswordLink(
      tokenHash: string,
    ): Promise<{ accountId: string; expiresAt: number; usedAt: number | null } | undefined> {
      const row = await db()('password_links')
        .where({ token_hash: tokenHash })
        .first('account_id', 'expires_at', 'used_at');
      return row
        ? {
            accountId: row.account_id,
            expiresAt: Number(row.expires_at),
            usedAt: row.used_at === null ? null : Number(row.used_at),
          }
        : undefined;
    },
    /** Marks every unused link of the account used (once a password is set, older links must not reset it). */
    async usePasswordLinksOf(accountId: string, now = Date.now()): Promise<number> {
      return db()('password_links')
        .where({ account_id: accountId })
        .whereNull('used_at')
        .update({ used_at: now });
    },
    /** Deletes links that expired before `expiredBefore` (until then an old link still says "expired"). */
    async sweepPasswordLinks(expiredBefore: number): Promise<number> {
      return db()('password_links').where('expires_at', '<', expiredBefore).delete();
    },
    /** Marks the link used; false when it was already used or expired (a conditional update, race-free). */
    async usePasswordLink(tokenHash: string, now = Date.now()): Promise<boolean> {
      const updated = await db()('password_links')
        .where({ token_hash: tokenHash })
        .whereNull('used_at')
        .andWhere('expires_at', '>', now)
        .update({ used_at: now });
      return updated === 1;
    },
  };
}

export type AccountsRepository = ReturnType<typeof accountsRepository>;
