// Which connector serves which provider: the configured maker endpoints, and in development the OEM
// simulator mounted at /oem-simulator for every provider left unconfigured (with generated dev secrets).
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { type Config, type OemEndpoint, oemProviderIds } from '../config.ts';
import { randomToken } from '../security/secrets.ts';
import { settingsRepository } from '../storage/settings.ts';
import type { OemConnector } from './connector.ts';
import { httpConnector } from './http-connector.ts';

export const simulatorMountPath = '/oem-simulator';

export interface OemEndpoints {
  endpoints: Partial<Record<string, OemEndpoint>>;
  /** Providers served by the mounted simulator (empty outside development). */
  simulated: Record<string, { apiKey: string; webhookSecret: string }>;
}

export async function resolveOemEndpoints(config: Config, knex: Knex): Promise<OemEndpoints> {
  const endpoints: OemEndpoints['endpoints'] = { ...config.oem };
  const simulated: OemEndpoints['simulated'] = {};
  const missing = oemProviderIds.filter((provider) => !endpoints[provider]);
  if (!config.devTools || missing.length === 0) return { endpoints, simulated };
  const stored = JSON.parse(
    await settingsRepository(knex).getOrCreate('oem_simulator_secrets', () =>
      JSON.stringify(
        Object.fromEntries(
          oemProviderIds.map((provider) => [
            provider,
            { apiKey: randomToken(24), webhookSecret: `whsec_${randomBytes(32).toString('base64')}` },
          ]),
        ),
      ),
    ),
  ) as OemEndpoints['simulated'];
  for (const provider of missing) {
    const secrets = stored[provider];
    if (!secrets) continue;
    simulated[provider] = secrets;
    endpoints[provider] = { baseUrl: `${config.issuer}${simulatorMountPath}/${provider}`, ...secrets };
  }
  return { endpoints, simulated };
}

export function connectorRegistry(endpoints: OemEndpoints['endpoints'], timeoutMs?: number) {
  const connectors = new Map<string, OemConnector>();
  for (const [provider, endpoint] of Object.entries(endpoints)) {
    if (endpoint)
      connectors.set(
        provider,
        httpConnector({ provider, baseUrl: endpoint.baseUrl, apiKey: endpoint.apiKey, timeoutMs }),
      );
  }
  return {
    connectorFor: (provider: string) => connectors.get(provider),
    webhookSecretFor: (provider: string) => endpoints[provider]?.webhookSecret,
  };
}
