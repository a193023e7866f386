// First-time owners: one address is one account, also when two journeys create it at the same moment,
// each inside its own transaction (the journey's account step commits account and progress together).
// A password hash upgraded at sign-in replaces only the hash it was checked against.
import { setTimeout } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.ts';
import { accountsRepository } from '../../src/storage/accounts.ts';
import { openTestDatabase } from '../support/database.ts';

describe('accounts › findOrCreate', () => {
  let database: Database;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ database, close } = await openTestDatabase());
    await database.migrate();
  });
  afterAll(async () => {
    await close?.();
  });

  it('parallel sign-ups with one address in their own transactions make one account, and both go on', async () => {
    const accounts = accountsRepository(database);
    const signUp = (country: string) =>
      database.transaction(async () => {
        const result = await accounts.findOrCreate({ email: ' Twin@Example.com', country, locale: 'en' });
        // The winner stays uncommitted a while, so on PostgreSQL the others find no account, insert, and
        // wait for it. Work after the account in the same transaction must still run: PostgreSQL aborts a
        // transaction on a constraint error, so a losing insert must not raise one.
        await setTimeout(150);
        await database.query().raw('select 1');
        return result;
      });
    const results = await Promise.all(Array.from({ length: 6 }, (_, n) => signUp(n % 2 ? 'DE' : 'AT')));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.account.id)).size).toBe(1);
    const rows = await database.query()('accounts').where({ email: 'twin@example.com' });
    expect(rows).toHaveLength(1);
    expect(rows[0].id).toBe(results[0]?.account.id);
  });
});

describe('accounts › replacePasswordHash', () => {
  let database: Database;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ database, close } = await openTestDatabase());
    await database.migrate();
  });
  afterAll(async () => {
    await close?.();
  });

  it('replaces the hash it was given, and leaves one that changed since (a password set meanwhile)', async () => {
    const accounts = accountsRepository(database);
    const { account } = await accounts.findOrCreate({
      email: 'rehash@example.com',
      country: 'DE',
      locale: 'en',
    });
    const storedHash = async () => (await accounts.passwordHashOf('rehash@example.com'))?.passwordHash;
    await accounts.setPassword(account.id, 'scrypt$1024$8$1$checked');
    await accounts.setPassword(account.id, 'scrypt$131072$8$1$set-meanwhile');
    expect(
      await accounts.replacePasswordHash(account.id, 'scrypt$1024$8$1$checked', 'scrypt$131072$8$1$rehash'),
    ).toBe(false);
    expect(await storedHash()).toBe('scrypt$131072$8$1$set-meanwhile');

    await accounts.setPassword(account.id, 'scrypt$1024$8$1$checked');
    expect(
      await accounts.replacePasswordHash(account.id, 'scrypt$1024$8$1$checked', 'scrypt$131072$8$1$rehash'),
    ).toBe(true);
    expect(await storedHash()).toBe('scrypt$131072$8$1$rehash');
  });
});
