// "This jti once" for DPoP proofs and client assertions, on a real database: the authorization server's
// `ReplayDetection.unique` and the artifact table's `claimOnce` accept a key exactly once, however many
// requests (on however many instances) present it at the same moment, and again once its claim has expired.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { type RunningKeyturn, startKeyturn } from '../support/keyturn.ts';

const epochSeconds = () => Math.floor(Date.now() / 1000);

describe('replay detection', () => {
  let database: TestDatabase;
  let keyturn: RunningKeyturn;
  let other: RunningKeyturn;

  beforeAll(async () => {
    database = await createTestDatabase();
    keyturn = await startKeyturn({}, database);
    other = await startKeyturn({}, database);
  });
  afterAll(async () => {
    await other?.close();
    await keyturn?.close();
    await database?.drop();
  });

  const unique = (instance: RunningKeyturn, jti: string, exp = epochSeconds() + 60) =>
    instance.authorizationServer.ReplayDetection.unique('https://app.example.com', jti, exp);

  it('ReplayDetection.unique › of 20 concurrent calls with one jti, exactly one accepts it', async () => {
    const jti = randomUUID();
    const answers = await Promise.all(Array.from({ length: 20 }, () => unique(keyturn, jti)));
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect(await unique(keyturn, jti)).toBe(false);
  });

  it('ReplayDetection.unique › two instances on one database, 10 concurrent calls each: exactly one accepts', async () => {
    const jti = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => unique(i % 2 === 0 ? keyturn : other, jti)),
    );
    expect(answers.filter(Boolean)).toHaveLength(1);
  });

  it('ReplayDetection.unique › the same jti from another issuer is another key', async () => {
    const jti = randomUUID();
    expect(await unique(keyturn, jti)).toBe(true);
    const fromAnother = await keyturn.authorizationServer.ReplayDetection.unique(
      'https://another.example.com',
      jti,
      epochSeconds() + 60,
    );
    expect(fromAnother).toBe(true);
  });

  it('ReplayDetection.unique › a jti whose claim has expired (not yet swept) is accepted again, once', async () => {
    const jti = randomUUID();
    expect(await unique(keyturn, jti, epochSeconds() - 1)).toBe(true);
    const answers = await Promise.all(Array.from({ length: 20 }, () => unique(keyturn, jti)));
    expect(answers.filter(Boolean)).toHaveLength(1);
  });

  it('claimOnce › a live claim holds the key until its expiry; from then on the key can be claimed again', async () => {
    const payloads = keyturn.repositories.oidcPayloads;
    const id = randomUUID();
    const now = Date.now();
    expect(await payloads.claimOnce('ReplayDetection', id, '{"n":1}', now + 1_000, now)).toBe(true);
    expect(await payloads.claimOnce('ReplayDetection', id, '{"n":2}', now + 5_000, now + 999)).toBe(false);
    expect(JSON.parse((await payloads.find('ReplayDetection', id))?.payload ?? '{}')).toEqual({ n: 1 });
    expect(await payloads.claimOnce('ReplayDetection', id, '{"n":3}', now + 5_000, now + 1_000)).toBe(true);
    const row = await payloads.find('ReplayDetection', id);
    expect(row).toMatchObject({ expires_at: now + 5_000, consumed_at: null });
    expect(JSON.parse(row?.payload ?? '{}')).toEqual({ n: 3 });
  });

  it('claimOnce › a stored artifact that never expires is never taken over', async () => {
    const payloads = keyturn.repositories.oidcPayloads;
    const id = randomUUID();
    await payloads.save('Grant', id, '{"kept":true}', { grantId: null, uid: null, expiresAt: null });
    expect(await payloads.claimOnce('Grant', id, '{"kept":false}', Date.now() + 1_000)).toBe(false);
    expect(JSON.parse((await payloads.find('Grant', id))?.payload ?? '{}')).toEqual({ kept: true });
  });
});
