// Builders for integration tests: a real Keyturn listening on 127.0.0.1 (own database), apps and
// consumers registered through the same commands the CLI uses.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AppRegistration, registerApp, registerConsumer } from '../../src/apps/register.ts';
import { loadConfig } from '../../src/config/index.ts';
import { buildContainer, type Container, type ContainerOptions } from '../../src/container.ts';
import { buildHttpApp, type HttpApp } from '../../src/http/app.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export interface RunningKeyturn extends Container, HttpApp {
  url: string;
  close(): Promise<void>;
}

/**
 * Tests walk many journeys from one address: the journey's limits are raised out of their way (the tests
 * of the limits set their own).
 */
const generousLimits = {
  CODE_MAILS_PER_ADDRESS: '10000',
  CODE_MAILS_PER_EMAIL: '10000',
  CONSENTS_PER_ADDRESS: '10000',
  CONSENTS_PER_ACCOUNT: '10000',
  CONSENTS_PER_VIN: '10000',
  CONSENTS_PER_APP: '10000',
};

export async function startKeyturn(
  env: Record<string, string> = {},
  database?: TestDatabase,
  options: ContainerOptions = {},
): Promise<RunningKeyturn> {
  const db = database ?? (await createTestDatabase());
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    ISSUER: url,
    ...generousLimits,
    ...db.env,
    ...env,
  });
  const container = await buildContainer(config, options);
  const http = await buildHttpApp(container);
  server.on('request', http.app.callback());
  return {
    ...container,
    ...http,
    url,
    async close() {
      await container.worker.stop();
      http.simulator?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await container.close();
      if (!database) await db.drop();
    },
  };
}

export const testRedirectUri = 'http://127.0.0.1:9/callback';

export async function registerTestApp(keyturn: RunningKeyturn, overrides: Partial<AppRegistration> = {}) {
  return registerApp(
    keyturn.repositories.apps,
    {
      name: 'Service X',
      redirectUris: [testRedirectUri],
      brands: ['bmw', 'mini', 'mercedes-benz'],
      scopes: ['location', 'mileage', 'battery_level'],
      ...overrides,
    },
    keyturn.config.webhooks,
  );
}

export async function registerTestConsumer(keyturn: RunningKeyturn) {
  return registerConsumer(keyturn.repositories.consumers, 'Data consumer');
}
