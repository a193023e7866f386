// Registers (or re-registers, when the issuer changed) the FAPI 2.0 demo app for `npm start`: an app of
// the FAPI 2.0 Security Profile whose registered JWKS is the public half of its own signing key
// (./keys.ts). It gets no client secret and receives no webhooks.
import { registerFapi2App } from '../../apps/register.ts';
import { dataPoints } from '../../domain/data-points.ts';
import { brands } from '../../domain/vehicles/brands.ts';
import type { AppsRepository } from '../../storage/apps.ts';
import type { SettingsRepository } from '../../storage/settings.ts';
import type { TargetPolicy } from '../../webhooks/target-guard.ts';
import { fapiDemoClientId, fapiDemoRedirectPath } from './app.ts';
import { type FapiDemoKeys, fapiDemoKeys } from './keys.ts';

export const fapiDemoAppName = 'Demo Fleet App (FAPI 2.0)';

export async function ensureFapiDemoApp(
  settings: SettingsRepository,
  apps: AppsRepository,
  issuer: string,
  webhookTargets: TargetPolicy,
): Promise<{ clientId: string; keys: FapiDemoKeys }> {
  const keys = await fapiDemoKeys(settings);
  const redirectUri = `${issuer}${fapiDemoRedirectPath}`;
  const existing = await apps.find(fapiDemoClientId);
  if (!existing) {
    await registerFapi2App(
      apps,
      {
        name: fapiDemoAppName,
        redirectUris: [redirectUri],
        brands: brands.map((brand) => brand.id),
        scopes: [...dataPoints],
      },
      keys.jwks,
      webhookTargets,
      fapiDemoClientId,
    );
  } else if (
    existing.redirectUris[0] !== redirectUri ||
    existing.securityProfile !== 'fapi2' ||
    JSON.stringify(existing.jwks) !== JSON.stringify(keys.jwks)
  ) {
    // The keys checked at the first registration are the ones kept in the settings table.
    await apps.replace({
      ...existing,
      redirectUris: [redirectUri],
      securityProfile: 'fapi2',
      jwks: keys.jwks,
    });
  }
  return { clientId: fapiDemoClientId, keys };
}
