// Registers (or re-registers, when the issuer changed) the demo app for `npm start`. Development only:
// its plaintext secret is kept in the settings table so the demo can authenticate after a restart.

import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { dataPoints } from '../domain/data-points.ts';
import { brands } from '../domain/vehicles/brands.ts';
import { hashSecret, randomToken } from '../security/secrets.ts';
import type { AppsRepository } from '../storage/apps.ts';
import { settingsRepository } from '../storage/settings.ts';
import { demoClientId, demoRedirectPath } from './app.ts';

export async function ensureDemoApp(
  knex: Knex,
  apps: AppsRepository,
  issuer: string,
): Promise<{ clientId: string; clientSecret: string; webhookSecret: string }> {
  const clientSecret = await settingsRepository(knex).getOrCreate('demo_app_secret', () => randomToken(32));
  const redirectUri = `${issuer}${demoRedirectPath}`;
  const existing = await apps.find(demoClientId);
  const webhookSecret = existing?.webhookSecret ?? `whsec_${randomBytes(32).toString('base64')}`;
  if (
    !existing ||
    existing.redirectUris[0] !== redirectUri ||
    existing.clientSecretHash !== hashSecret(clientSecret)
  ) {
    await apps.replace({
      clientId: demoClientId,
      clientSecretHash: hashSecret(clientSecret),
      name: 'Demo Fleet App',
      redirectUris: [redirectUri],
      brands: brands.map((brand) => brand.id),
      scopes: [...dataPoints],
      logoUri: null,
      webhookUrl: `${issuer}/demo/webhooks`,
      webhookSecret,
      createdAt: Date.now(),
    });
  }
  return { clientId: demoClientId, clientSecret, webhookSecret };
}
