// Registers (or re-registers, when the issuer changed) the demo app for `npm start`. Development only:
// its plaintext secret is kept in the settings table so the demo can authenticate after a restart. Its
// webhook URL passes the same target guard as any app's, or the demo goes without webhooks.
// Its privacy policy and terms are two small pages the demo serves itself.

import { dataPoints } from '../../domain/data-points.ts';
import { vehicleEventTypes } from '../../domain/vehicle-events.ts';
import { brands } from '../../domain/vehicles/brands.ts';
import { hashSecret, randomToken } from '../../security/secrets.ts';
import type { AppsRepository } from '../../storage/apps.ts';
import type { SettingsRepository } from '../../storage/settings.ts';
import { freshWebhookSecrets } from '../../webhooks/signing-secrets.ts';
import { type TargetPolicy, webhookUrlProblems } from '../../webhooks/target-guard.ts';
import { demoClientId, demoPrivacyPath, demoRedirectPath, demoTermsPath } from './app.ts';

export async function ensureDemoApp(
  settings: SettingsRepository,
  apps: AppsRepository,
  issuer: string,
  webhookTargets: TargetPolicy,
): Promise<{ clientId: string; clientSecret: string; webhookSecret: string; webhookProblems: string[] }> {
  const clientSecret = await settings.getOrCreate('demo_app_secret', () => randomToken(32));
  const redirectUri = `${issuer}${demoRedirectPath}`;
  const privacyUrl = `${issuer}${demoPrivacyPath}`;
  const termsUrl = `${issuer}${demoTermsPath}`;
  const wantedWebhookUrl = `${issuer}/demo/webhooks`;
  const webhookProblems = await webhookUrlProblems(wantedWebhookUrl, webhookTargets);
  const webhookUrl = webhookProblems.length === 0 ? wantedWebhookUrl : null;
  const existing = await apps.find(demoClientId);
  const webhookSecrets = existing?.webhookSecrets ?? freshWebhookSecrets();
  if (
    !existing ||
    existing.redirectUris[0] !== redirectUri ||
    existing.webhookUrl !== webhookUrl ||
    existing.privacyUrl !== privacyUrl ||
    existing.termsUrl !== termsUrl ||
    existing.clientSecretHash !== hashSecret(clientSecret) ||
    existing.eventTypes.length !== vehicleEventTypes.length
  ) {
    await apps.replace({
      clientId: demoClientId,
      clientSecretHash: hashSecret(clientSecret),
      name: 'Demo Fleet App',
      redirectUris: [redirectUri],
      brands: brands.map((brand) => brand.id),
      scopes: [...dataPoints],
      logoUri: null,
      privacyUrl,
      termsUrl,
      webhookUrl,
      webhookDisabled: null,
      webhookSecrets,
      eventTypes: [...vehicleEventTypes],
      createdAt: Date.now(),
    });
  }
  return { clientId: demoClientId, clientSecret, webhookSecret: webhookSecrets.current, webhookProblems };
}
