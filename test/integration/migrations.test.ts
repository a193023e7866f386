import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.ts';
import { migrationSource, rollbackAll } from '../../src/db/migrate.ts';
import { openTestDatabase } from '../support/database.ts';

// Every migration has a `down` that reverses it: all the way down and up again leaves a working schema.
describe('migrations', () => {
  let database: Database;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ database, close } = await openTestDatabase());
  });
  afterAll(async () => {
    await close?.();
  });

  it('keyturn migrate › applies every migration, rolls all of them back, and applies them again', async () => {
    const applied = await database.migrate();
    expect(applied.length).toBeGreaterThanOrEqual(4);
    expect(await database.query().schema.hasTable('clearances')).toBe(true);
    await rollbackAll(database.query());
    expect(await database.query().schema.hasTable('clearances')).toBe(false);
    expect(await database.query().schema.hasTable('oidc_payloads')).toBe(false);
    expect(await database.migrate()).toEqual(applied);
    expect(await database.query().schema.hasColumn('clearances', 'grant_expires_at')).toBe(true);
    expect(await database.query().schema.hasColumn('apps', 'previous_webhook_secret_expires_at')).toBe(true);
  });

  it('keyturn migrate › stores the codes and tokens issued before it under the hash of their value, once', async () => {
    await database.migrate();
    await database.query().migrate.down({ migrationSource, name: '20261201000000_hashed_token_keys' });
    const keyOf = (value: string) => createHash('sha256').update(value).digest('base64url');
    const token = 'an-access-token-issued-before-hashing-0123456';
    const code = 'a-code-issued-before-hashing-0123456789abcdef';
    const session = 'a-session-cookie-value-0123456789abcdefghijkl';
    const rewritten = 'a-refresh-token-stored-the-new-way-0123456789';
    const row = (model: string, id: string, payload: Record<string, unknown>) => ({
      model,
      id,
      payload: JSON.stringify({ kind: model, iat: 1, exp: 2, ...payload }),
      grant_id: 'grant-1',
    });
    await database
      .query()('oidc_payloads')
      .insert([
        row('AccessToken', token, { jti: token, scope: 'location' }),
        row('AuthorizationCode', code, { jti: code }),
        row('Session', session, { jti: session }),
        row('RefreshToken', keyOf(rewritten), {}),
      ]);

    // More than one batch of the rewrite, in the order the batches walk the keys.
    const many = Array.from({ length: 2_100 }, (_, i) => `batch-token-${String(i).padStart(5, '0')}`);
    for (let i = 0; i < many.length; i += 500)
      await database
        .query()('oidc_payloads')
        .insert(many.slice(i, i + 500).map((v) => row('AccessToken', v, { jti: v })));

    await database.migrate();

    const batched = await database
      .query()('oidc_payloads')
      .where('model', 'AccessToken')
      .whereLike('payload', '%batch%');
    expect(batched).toEqual([]);
    const keys = new Set(
      (await database.query()('oidc_payloads').where('model', 'AccessToken').pluck('id')) as string[],
    );
    expect(many.filter((v) => !keys.has(keyOf(v)))).toEqual([]);
    expect(keys.size).toBe(many.length + 1);
    await database
      .query()('oidc_payloads')
      .where('model', 'AccessToken')
      .whereNot('id', keyOf(token))
      .delete();

    const rows = await database
      .query()('oidc_payloads')
      .select<{ model: string; id: string; payload: string }[]>('model', 'id', 'payload')
      .orderBy('model');
    expect(rows.map((r) => ({ model: r.model, id: r.id, payload: JSON.parse(r.payload) }))).toEqual([
      {
        model: 'AccessToken',
        id: keyOf(token),
        payload: { kind: 'AccessToken', iat: 1, exp: 2, scope: 'location' },
      },
      { model: 'AuthorizationCode', id: keyOf(code), payload: { kind: 'AuthorizationCode', iat: 1, exp: 2 } },
      { model: 'RefreshToken', id: keyOf(rewritten), payload: { kind: 'RefreshToken', iat: 1, exp: 2 } },
      { model: 'Session', id: session, payload: { kind: 'Session', iat: 1, exp: 2, jti: session } },
    ]);
  });
});
