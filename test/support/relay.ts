// The relay's outside world for integration tests: a standalone OEM simulator on its own port (real HTTP
// both ways), a webhook receiver standing in for the app, and a Keyturn configured to use them.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { oemProviderIds } from '../../src/config/index.ts';
import { type RunningOemSimulator, startOemSimulator } from '../../src/dev-tools/oem-simulator/main.ts';
import type { Mail } from '../../src/mail/mailer.ts';
import { type Clearance, type ClearanceRow, toClearance } from '../../src/storage/clearances.ts';
import type { TestDatabase } from './database.ts';
import { bmwVin, newBrowser, walkAsNewOwner } from './journey.ts';
import { type RunningKeyturn, startKeyturn } from './keyturn.ts';
import { authorizationRequest, discover, redeem } from './relying-party.ts';

export interface ReceivedWebhook {
  /** The request path, e.g. `/webhooks` (a followed redirect would show another path). */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** TCP connections accepted so far (a refused target must not even be connected to). */
  connections(): number;
  /** Answer the next `count` deliveries with `status` (and `headers`) instead of 204. */
  failNext(count: number, status?: number, headers?: Record<string, string>): void;
  /**
   * From now on verify every delivery as an integrator would, with the `standardwebhooks` library and this
   * one secret, and answer 401 to one that does not verify (undefined: accept anything again).
   */
  verifyWith(secret: string | undefined): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let failures = 0;
  let failureStatus = 500;
  let failureHeaders: Record<string, string> = {};
  let verifier: Webhook | undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (failures > 0) {
        failures--;
        res.writeHead(failureStatus, failureHeaders).end();
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        verifier?.verify(body, req.headers as Record<string, string>);
      } catch {
        res.writeHead(401).end();
        return;
      }
      received.push({ path: req.url ?? '', headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  let connections = 0;
  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    received,
    connections: () => connections,
    failNext(count, status = 500, headers = {}) {
      failures = count;
      failureStatus = status;
      failureHeaders = headers;
    },
    verifyWith(secret) {
      verifier = secret === undefined ? undefined : new Webhook(secret);
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

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a value (not undefined); fails after `attempts` tries. */
export async function until<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  attempts = 200,
): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(25);
  }
  throw new Error(`gave up waiting for ${what}`);
}

export type Tokens = Awaited<ReturnType<typeof redeem>>;

export interface GrantedClearance {
  tokens: Tokens;
  clearance: Clearance;
  email: string;
  vin: string;
}

/** Walks the journey as a new owner against `issuerUrl` and redeems the code; tokens are `pending`. */
export async function consentOverHttp(
  issuerUrl: string,
  app: RegisteredApp,
  owner: { email: string; vin?: string; scope?: string },
): Promise<Tokens> {
  const config = await discover(issuerUrl, app);
  const request = await authorizationRequest(config, owner.scope ? { scope: owner.scope } : {});
  const done = await walkAsNewOwner(newBrowser(), request.url, {
    email: owner.email,
    vin: owner.vin ?? bmwVin,
  });
  return redeem(config, done.url, request);
}

/** A new owner consents in the journey; returns the tokens and the clearance of their grant. */
export async function grantClearance(
  keyturn: RunningKeyturn,
  app: RegisteredApp,
  owner: { email: string; vin?: string; scope?: string },
): Promise<GrantedClearance> {
  const vin = owner.vin ?? bmwVin;
  const tokens = await consentOverHttp(keyturn.url, app, { ...owner, vin });
  return { tokens, clearance: await clearanceOfToken(keyturn, tokens.access_token), email: owner.email, vin };
}

export async function clearanceOfToken(keyturn: RunningKeyturn, accessToken: string): Promise<Clearance> {
  const token = await keyturn.authorizationServer.AccessToken.find(accessToken);
  if (!token?.grantId) throw new Error('access token unknown');
  const clearance = await keyturn.repositories.clearances.findByGrantId(token.grantId);
  if (!clearance) throw new Error(`no clearance for grant ${token.grantId}`);
  return clearance;
}

/** The most recently created clearance. */
export async function newestClearance(keyturn: RunningKeyturn): Promise<Clearance> {
  const row = await keyturn.database
    .query()<ClearanceRow>('clearances')
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .first();
  if (!row) throw new Error('no clearance yet');
  return toClearance(row);
}

export async function clearanceStatus(keyturn: RunningKeyturn, clearanceId: string): Promise<string> {
  const clearance = await keyturn.repositories.clearances.find(clearanceId);
  if (!clearance) throw new Error(`clearance ${clearanceId} vanished`);
  return clearance.status;
}

/** The app's own view of its token: `GET /v1/authorization` with the Bearer token. */
export async function authorizationOf(
  issuerUrl: string,
  accessToken: string,
): Promise<{ status: string; vehicle_status: string }> {
  const response = await fetch(`${issuerUrl}/v1/authorization`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  if (response.status !== 200) throw new Error(`GET /v1/authorization answered ${response.status}`);
  return (await response.json()) as { status: string; vehicle_status: string };
}

/** RFC 7662 introspection as a data consumer (with `token_type_hint` when given); returns the JSON answer. */
export async function introspect(
  issuerUrl: string,
  consumer: { client_id: string; client_secret: string },
  token: string,
  tokenTypeHint?: 'access_token' | 'refresh_token',
): Promise<Record<string, unknown>> {
  const response = await fetch(`${issuerUrl}/token/introspection`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${consumer.client_id}:${consumer.client_secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(
      tokenTypeHint ? { token, token_type_hint: tokenTypeHint } : { token },
    ).toString(),
  });
  if (response.status !== 200) throw new Error(`introspection answered ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}

/** The simulator's clearances for one Keyturn clearance. */
export function simulatedClearancesFor(world: OemWorld, clearanceId: string) {
  return world.simulator.knobs.clearances().filter((c) => c.clearanceId === clearanceId);
}

/** Drains the worker until `done()` holds, sleeping a little between rounds so backoff delays pass. */
export async function drainUntil(
  keyturn: RunningKeyturn,
  done: () => Promise<boolean>,
  what: string,
  rounds = 200,
): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await keyturn.worker.drain();
    if (await done()) return;
    await sleep(25);
  }
  throw new Error(`gave up draining until ${what}`);
}

/** A TCP port nothing listens on (opened, then closed again). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
