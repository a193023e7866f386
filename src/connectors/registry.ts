// Which connector serves which maker: the configured maker endpoints, and in development the OEM simulator
// (a dev tool mounted at /oem-simulator) for every maker left unconfigured, with secrets generated once and
// kept in the database.
import { randomBytes } from 'node:crypto';
import { type Config, type OemEndpoint, oemProviderIds } from '../config/index.ts';
import { randomToken } from '../security/secrets.ts';
import type { SettingsRepository } from '../storage/settings.ts';
import type { OemConnector } from './connector.ts';
import { httpConnector } from './http-connector.ts';

export const simulatorMountPath = '/oem-simulator';

export interface ConnectorRegistry {
  connectorFor(provider: string): OemConnector | undefined;
  /** The Standard Webhooks secret the maker signs its callbacks with. */
  webhookSecretFor(provider: string): string | undefined;
  /** Makers the mounted simulator plays, with their secrets (none outside development). */
  simulated: Record<string, { apiKey: string; webhookSecret: string }>;
}

async function simulatedEndpoints(config: Config, settings: SettingsRepository) {
  const endpoints: Partial<Record<string, OemEndpoint>> = { ...config.oem };
  const simulated: ConnectorRegistry['simulated'] = {};
  const missing = oemProviderIds.filter((provider) => !endpoints[provider]);
  if (!config.devTools || missing.length === 0) return { endpoints, simulated };
  const stored = JSON.parse(
    await settings.getOrCreate('oem_simulator_secrets', () =>
      JSON.stringify(
        Object.fromEntries(
          oemProviderIds.map((provider) => [
            provider,
            { apiKey: randomToken(24), webhookSecret: `whsec_${randomBytes(32).toString('base64')}` },
          ]),
        ),
      ),
    ),
  ) as ConnectorRegistry['simulated'];
  for (const provider of missing) {
    const secrets = stored[provider];
    if (!secrets) continue;
    simulated[provider] = secrets;
    endpoints[provider] = { baseUrl: `${config.issuer}${simulatorMountPath}/${provider}`, ...secrets };
  }
  return { endpoints, simulated };
}

export async function connectorRegistry(
  config: Config,
  settings: SettingsRepository,
): Promise<ConnectorRegistry> {
  const { endpoints, simulated } = await simulatedEndpoints(config, settings);
  const connectors = new Map<string, OemConnector>();
  for (const [provider, endpoint] of Object.entries(endpoints)) {
    if (endpoint)
      connectors.set(
        provider,
        httpConnector({
          provider,
          baseUrl: endpoint.baseUrl,
          apiKey: endpoint.apiKey,
          timeoutMs: config.relay.oemTimeoutMs,
        }),
      );
  }
  return {
    connectorFor: (provider) => connectors.get(provider),
    webhookSecretFor: (provider) => endpoints[provider]?.webhookSecret,
    simulated,
  };
}
