// The consent journey's progress, keyed by the oidc-provider interaction uid: who the owner is and what
// they chose so far. Steps read it to decide what may be shown; nothing here decides the order.
import type { Knex } from 'knex';
import { executor } from './transaction.ts';

export interface Journey {
  uid: string;
  clientId: string;
  locale: string;
  country: string | null;
  accountId: string | null;
  accountIsNew: boolean;
  signedIn: boolean;
  brand: string | null;
  vin: string | null;
  expiresAt: number;
}

interface JourneyRow {
  uid: string;
  client_id: string;
  locale: string;
  country: string | null;
  account_id: string | null;
  account_is_new: boolean | number;
  signed_in: boolean | number;
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
  signedIn: Boolean(row.signed_in),
  brand: row.brand,
  vin: row.vin,
  expiresAt: Number(row.expires_at),
});

export type JourneyChanges = Partial<
  Pick<Journey, 'locale' | 'country' | 'accountId' | 'accountIsNew' | 'signedIn' | 'brand' | 'vin'>
>;

export function journeysRepository(knex: Knex) {
  const table = () => executor(knex)<JourneyRow>('journeys');
  return {
    async findOrStart(start: Omit<Journey, 'brand' | 'vin'> & { brand?: string | null }): Promise<Journey> {
      const existing = await this.find(start.uid);
      if (existing) return existing;
      await table()
        .insert({
          uid: start.uid,
          client_id: start.clientId,
          locale: start.locale,
          country: start.country,
          account_id: start.accountId,
          account_is_new: start.accountIsNew,
          signed_in: start.signedIn,
          brand: start.brand ?? null,
          vin: null,
          created_at: Date.now(),
          expires_at: start.expiresAt,
        })
        .onConflict('uid')
        .ignore();
      return (await this.find(start.uid)) as Journey;
    },
    async find(uid: string): Promise<Journey | undefined> {
      const row = await table().where({ uid }).first();
      return row ? toJourney(row) : undefined;
    },
    async update(uid: string, changes: JourneyChanges): Promise<void> {
      const row: Partial<JourneyRow> = {};
      if (changes.locale !== undefined) row.locale = changes.locale;
      if (changes.country !== undefined) row.country = changes.country;
      if (changes.accountId !== undefined) row.account_id = changes.accountId;
      if (changes.accountIsNew !== undefined) row.account_is_new = changes.accountIsNew;
      if (changes.signedIn !== undefined) row.signed_in = changes.signedIn;
      if (changes.brand !== undefined) row.brand = changes.brand;
      if (changes.vin !== undefined) row.vin = changes.vin;
      await table().where({ uid }).update(row);
    },
    async remove(uid: string): Promise<void> {
      await table().where({ uid }).delete();
    },
    async sweepExpired(now = Date.now()): Promise<number> {
      return table().where('expires_at', '<=', now).delete();
    },
  };
}

export type JourneysRepository = ReturnType<typeof journeysRepository>;
