// The relay's outside world for integration tests: a standalone OEM simulator on its own port (real HTTP
// both ways), a webhook receiver standing in for the app, and a Keyturn configured to use them.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { oemProviderIds } from '../../src/config.ts';
import type { Mail } from '../../src/mail/mailer.ts';
import { type RunningOemSimulator, startOemSimulator } from '../../src/oem-simulator/main.ts';
import type { TestDatabase } from './database.ts';
import { type RunningKeyturn, startKeyturn } from './keyturn.ts';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Answer the next `count` deliveries with `status` instead of 204. */
  failNext(count: number, status?: number): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let failures = 0;
  let failureStatus = 500;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (failures > 0) {
        failures--;
        res.writeHead(failureStatus).end();
        return;
      }
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    received,
    failNext(count, status = 500) {
      failures = count;
      failureStatus = status;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Standard Webhooks verification written from the spec with node:crypto, independent of the library. */
export function verifyStandardWebhook(
  secret: string,
  headers: IncomingHttpHeaders,
  body: string,
  toleranceSeconds = 300,
): boolean {
  const id = String(headers['webhook-id'] ?? '');
  const timestamp = String(headers['webhook-timestamp'] ?? '');
  const signatures = String(headers['webhook-signature'] ?? '').split(' ');
  if (!id || !/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSeconds)
    return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = Buffer.from(
    createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64'),
  );
  return signatures.some((entry) => {
    const [version, value = ''] = entry.split(',');
    const presented = Buffer.from(value);
    return version === 'v1' && presented.length === expected.length && timingSafeEqual(presented, expected);
  });
}

export interface OemWorld {
  simulator: RunningOemSimulator;
  secrets: Record<string, { apiKey: string; webhookSecret: string }>;
  mails: Mail[];
  env: Record<string, string>;
}

export async function startOemWorld(): Promise<OemWorld> {
  const secrets = Object.fromEntries(
    oemProviderIds.map((provider) => [
      provider,
      {
        apiKey: randomBytes(12).toString('hex'),
        webhookSecret: `whsec_${randomBytes(32).toString('base64')}`,
      },
    ]),
  );
  const mails: Mail[] = [];
  const simulator = await startOemSimulator({
    port: 0,
    providers: secrets,
    sendMail: async (mail) => {
      mails.push(mail);
    },
    firstDataDelayMs: 50,
    callbackRetry: { attempts: 5, baseDelayMs: 20 },
  });
  const env: Record<string, string> = {};
  for (const provider of oemProviderIds) {
    const prefix = `OEM_${provider.toUpperCase().replace(/-/g, '_')}`;
    env[`${prefix}_URL`] = `${simulator.url}/${provider}`;
    env[`${prefix}_API_KEY`] = secrets[provider]?.apiKey ?? '';
    env[`${prefix}_WEBHOOK_SECRET`] = secrets[provider]?.webhookSecret ?? '';
  }
  return { simulator, secrets, mails, env };
}

export async function startKeyturnWithOem(
  world: OemWorld,
  env: Record<string, string> = {},
  database?: TestDatabase,
): Promise<RunningKeyturn> {
  return startKeyturn(
    { RELAY_RETRY_BASE_MS: '10', RELAY_RETRY_MAX_MS: '50', ...world.env, ...env },
    database,
  );
}

/** The portal link the maker mailed to `to` about `vin`. */
export function portalLink(world: OemWorld, to: string, vin: string): string {
  const mail = [...world.mails].reverse().find((m) => m.to === to && m.text.includes(vin));
  const link = mail?.text.match(/https?:\/\/\S+\/portal\/\S+/)?.[0];
  if (!link) throw new Error(`no portal mail to ${to} for ${vin}`);
  return link;
}
