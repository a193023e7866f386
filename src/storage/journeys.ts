// The consent journey's progress, keyed by the oidc-provider interaction uid: who the owner is (once
// proven), the address a one-time code was mailed to, and what they chose so far. Steps read it to decide
// what may be shown; nothing here decides the order.
// Every journey request reads it and most steps write it: fixed statements, not the query builder, and a
// cache of the committed rows where the engine can keep one exactly (every write goes through it).

import type { Database, Statement, Value } from '../db/index.ts';
import { type AuthMethod, provenBy } from '../domain/auth-methods.ts';

export interface Journey {
  uid: string;
  clientId: string;
  locale: string;
  country: string | null;
  /** Set only once the owner proved control of the account (a password, or the mailed code). */
  accountId: string | null;
  accountIsNew: boolean;
  authMethod: AuthMethod | null;
  /** The address a one-time code was mailed to: unproven until the code comes back. */
  email: string | null;
  codeHash: string | null;
  codeExpiresAt: number | null;
  codeAttempts: number;
  brand: string | null;
  vin: string | null;
  /** When the owner allowed access: a journey gives one consent, whatever the clicks. */
  consentedAt: number | null;
  expiresAt: number;
}

interface JourneyRow {
  uid: string;
  client_id: string;
  locale: string;
  country: string | null;
  account_id: string | null;
  account_is_new: boolean | number;
  auth_method: string | null;
  email: string | null;
  code_hash: string | null;
  code_expires_at: number | null;
  code_attempts: number;
  consented_at: number | null;
  brand: string | null;
  vin: string | null;
  created_at: number;
  expires_at: number;
}

const toJourney = (row: JourneyRow): Journey => ({
  uid: row.uid,
  clientId: row.client_id,
  locale: row.locale,
  country: row.country,
  accountId: row.account_id,
  accountIsNew: Boolean(row.account_is_new),
  authMethod: provenBy([row.auth_method]) ?? null,
  email: row.email,
  codeHash: row.code_hash,
  codeExpiresAt: row.code_expires_at === null ? null : Number(row.code_expires_at),
  codeAttempts: Number(row.code_attempts),
  consentedAt: row.consented_at === null ? null : Number(row.consented_at),
  brand: row.brand,
  vin: row.vin,
  expiresAt: Number(row.expires_at),
});

export type JourneyChanges = Partial<
  Pick<
    Journey,
    | 'locale'
    | 'country'
    | 'accountId'
    | 'accountIsNew'
    | 'authMethod'
    | 'email'
    | 'codeHash'
    | 'codeExpiresAt'
    | 'codeAttempts'
    | 'brand'
    | 'vin'
  >
>;

/** Columns a step may change, in the order an UPDATE sets them. Booleans are bound as 1/0 (both engines). */
const changeColumns: readonly [keyof JourneyChanges, string, (value: never) => Value][] = [
  ['locale', 'locale', (v: string) => v],
  ['country', 'country', (v: string | null) => v],
  ['accountId', 'account_id', (v: string | null) => v],
  ['accountIsNew', 'account_is_new', (v: boolean) => (v ? 1 : 0)],
  ['authMethod', 'auth_method', (v: AuthMethod | null) => v],
  ['email', 'email', (v: string | null) => v],
  ['codeHash', 'code_hash', (v: string | null) => v],
  ['codeExpiresAt', 'code_expires_at', (v: number | null) => v],
  ['codeAttempts', 'code_attempts', (v: number) => v],
  ['brand', 'brand', (v: string | null) => v],
  ['vin', 'vin', (v: string | null) => v],
];

/** Journeys under way at once on one SQLite instance, well above what a laptop-sized one serves. */
const cachedJourneys = 2_000;

export function journeysRepository(database: Database) {
  const rows = database.cachedRows<JourneyRow>('journeys', {
    capacity: cachedJourneys,
    load: 'select * from journeys where uid = ?',
  });
  const insertIfNew = database.statement(
    `insert into journeys (uid, client_id, locale, country, account_id, account_is_new, auth_method, brand, vin,
      code_attempts, created_at, expires_at) values (?, ?, ?, ?, ?, ?, ?, ?, null, 0, ?, ?)
      on conflict (uid) do nothing`,
  );
  const markConsented = database.statement(
    'update journeys set consented_at = ? where uid = ? and consented_at is null',
  );
  const countAttempt = database.statement(
    'update journeys set code_attempts = code_attempts + 1 where uid = ? and code_attempts < ?',
  );
  const deleteByUid = database.statement('delete from journeys where uid = ?');
  const deleteExpired = database.statement('delete from journeys where expires_at <= ?');
  // One statement per combination of changed columns (steps use a handful).
  const updates = new Map<string, Statement<never>>();
  const updateOf = (columns: string[]) => {
    const key = columns.join(',');
    let update = updates.get(key);
    if (!update) {
      const sets = columns.map((column) => `${column} = ?`).join(', ');
      update = database.statement<never>(`update journeys set ${sets} where uid = ?`);
      updates.set(key, update);
    }
    return update;
  };

  return {
    async findOrStart(
      start: Pick<
        Journey,
        'uid' | 'clientId' | 'locale' | 'country' | 'accountId' | 'accountIsNew' | 'authMethod' | 'expiresAt'
      > & { brand?: string | null },
    ): Promise<Journey> {
      const existing = await this.find(start.uid);
      if (existing) return existing;
      await rows.write(
        start.uid,
        insertIfNew,
        start.uid,
        start.clientId,
        start.locale,
        start.country,
        start.accountId,
        start.accountIsNew ? 1 : 0,
        start.authMethod,
        start.brand ?? null,
        Date.now(),
        start.expiresAt,
      );
      return (await this.find(start.uid)) as Journey;
    },
    async find(uid: string): Promise<Journey | undefined> {
      const row = await rows.get(uid);
      return row ? toJourney(row) : undefined;
    },
    async update(uid: string, changes: JourneyChanges): Promise<void> {
      const columns: string[] = [];
      const values: Value[] = [];
      for (const [key, column, bind] of changeColumns) {
        if (changes[key] === undefined) continue;
        columns.push(column);
        values.push(bind(changes[key] as never));
      }
      if (columns.length === 0) return;
      await rows.write(uid, updateOf(columns), ...values, uid);
    },
    /**
     * Counts one try of the mailed code; false once `max` tries were counted. A conditional update, so
     * parallel tries can never get past the limit.
     */
    async countCodeAttempt(uid: string, max: number): Promise<boolean> {
      return (await rows.write(uid, countAttempt, uid, max)) === 1;
    },
    /**
     * Marks the journey consented; false when it already was. A conditional update inside the consent's
     * transaction: of two parallel clicks exactly one gets true (the other waits for the first's commit).
     */
    async markConsented(uid: string, now = Date.now()): Promise<boolean> {
      return (await rows.write(uid, markConsented, now, uid)) === 1;
    },
    async remove(uid: string): Promise<void> {
      await rows.write(uid, deleteByUid, uid);
    },
    async sweepExpired(now = Date.now()): Promise<number> {
      return rows.writeAny(deleteExpired, now);
    },
  };
}

export type JourneysRepository = ReturnType<typeof journeysRepository>;
