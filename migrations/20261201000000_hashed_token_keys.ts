// Codes and tokens are stored under the SHA-256 of their value, and without the value in their payload
// (src/storage/artifact-keys.ts). This rewrites the rows stored before: each is found by the `jti` still in
// its payload, so a row already rewritten is never hashed twice. The list of models and the hash are
// copied here on purpose: a migration must keep doing what it did when it was written.
//
// Going down cannot turn a hash back into a token, so it deletes the codes and tokens: the apps must
// send their owners through the authorization again.
import { hash } from 'node:crypto';
import type { Knex } from 'knex';

const bearerCredentials = [
  'AuthorizationCode',
  'AccessToken',
  'RefreshToken',
  'ClientCredentials',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'RegistrationAccessToken',
  'InitialAccessToken',
];
const batchSize = 1_000;

interface StoredRow {
  model: string;
  id: string;
  payload: string;
}

export async function up(knex: Knex): Promise<void> {
  let after: StoredRow | undefined;
  for (;;) {
    const query = knex<StoredRow>('oidc_payloads')
      .whereIn('model', bearerCredentials)
      .select('model', 'id', 'payload')
      .orderBy([{ column: 'model' }, { column: 'id' }])
      .limit(batchSize);
    if (after) {
      const last = after;
      query.andWhere((q) =>
        q
          .where('model', '>', last.model)
          .orWhere((same) => same.where('model', last.model).andWhere('id', '>', last.id)),
      );
    }
    const rows = await query;
    if (rows.length === 0) return;
    for (const row of rows) {
      const { jti, ...rest } = JSON.parse(row.payload) as { jti?: unknown };
      if (jti === undefined) continue;
      await knex('oidc_payloads')
        .where({ model: row.model, id: row.id })
        .update({ id: hash('sha256', row.id, 'base64url'), payload: JSON.stringify(rest) });
    }
    after = rows[rows.length - 1];
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex('oidc_payloads').whereIn('model', bearerCredentials).delete();
}
