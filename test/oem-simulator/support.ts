// Builders for the OEM simulator tests: a simulator on a real port and a callback receiver that records
// what Keyturn would receive.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { Mail } from '../../src/dev-tools/oem-simulator/app.ts';
import { type StartOemSimulatorOptions, startOemSimulator } from '../../src/dev-tools/oem-simulator/main.ts';

export const secrets = {
  bmw: `whsec_${randomBytes(24).toString('base64')}`,
  'mercedes-benz': `whsec_${randomBytes(24).toString('base64')}`,
};
export const apiKeys = { bmw: 'bmw-test-key', 'mercedes-benz': 'mb-test-key' };

export async function buildSimulator(overrides: Partial<StartOemSimulatorOptions> = {}) {
  const mails: Mail[] = [];
  const simulator = await startOemSimulator({
    port: 0,
    providers: {
      bmw: { apiKey: apiKeys.bmw, webhookSecret: secrets.bmw },
      'mercedes-benz': { apiKey: apiKeys['mercedes-benz'], webhookSecret: secrets['mercedes-benz'] },
    },
    sendMail: async (mail) => {
      mails.push(mail);
    },
    firstDataDelayMs: 20,
    callbackRetry: { attempts: 4, baseDelayMs: 5 },
    ...overrides,
  });
  return { ...simulator, mails };
}

export interface ReceivedCallback {
  headers: IncomingHttpHeaders;
  body: string;
  /** The HTTP status the receiver answered. */
  answered: number;
}

/** A stand-in for Keyturn's `POST /callbacks/:provider`; it can be told to fail the next calls. */
export async function startReceiver() {
  const received: ReceivedCallback[] = [];
  let failuresLeft = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answered = failuresLeft > 0 ? 500 : 204;
      if (failuresLeft > 0) failuresLeft -= 1;
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered });
      res.statusCode = answered;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/callbacks/bmw`,
    received,
    /** Successful deliveries only, parsed. */
    events: () => received.filter((c) => c.answered < 300).map((c) => JSON.parse(c.body) as CallbackBody),
    failNext(count: number) {
      failuresLeft = count;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface CallbackBody {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

export function verify(secret: string, callback: ReceivedCallback): CallbackBody {
  return new Webhook(secret).verify(callback.body, {
    'webhook-id': String(callback.headers['webhook-id']),
    'webhook-timestamp': String(callback.headers['webhook-timestamp']),
    'webhook-signature': String(callback.headers['webhook-signature']),
  }) as CallbackBody;
}

export function clearanceBody(overrides: Record<string, unknown> = {}) {
  return {
    clearance_id: 'clr_keyturn_1',
    vin: 'WBA8E9C50GK123456',
    brand: 'bmw',
    data_points: ['vehicle_location', 'mileage'],
    callback_url: 'http://127.0.0.1:9/callbacks/bmw',
    primary_user_hint: 'owner@example.test',
    app_name: 'Charge Buddy',
    ...overrides,
  };
}

export function postClearance(
  baseUrl: string,
  body: unknown,
  options: { provider?: string; key?: string | null; apiKey?: string | null } = {},
) {
  const provider = options.provider ?? 'bmw';
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const apiKey = options.apiKey === undefined ? apiKeys.bmw : options.apiKey;
  if (apiKey !== null) headers.authorization = `Bearer ${apiKey}`;
  const key = options.key === undefined ? `idem-${randomBytes(6).toString('hex')}` : options.key;
  if (key !== null) headers['idempotency-key'] = key;
  return fetch(`${baseUrl}/${provider}/clearances`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Creates a clearance whose callbacks go to `callbackUrl` and returns the simulator's id. */
export async function createClearance(
  baseUrl: string,
  callbackUrl: string,
  overrides: Record<string, unknown> = {},
) {
  const response = await postClearance(baseUrl, clearanceBody({ callback_url: callbackUrl, ...overrides }));
  if (response.status !== 201) throw new Error(`expected 201, got ${response.status}`);
  return ((await response.json()) as { id: string }).id;
}

/**
 * A browser's visit to the portal page: the CSRF cookie it was given and the token its forms carry (the
 * cookie's value, so a page without forms, such as a closed request's, gives one too).
 */
export async function portalVisit(baseUrl: string, id: string, provider = 'bmw') {
  const response = await fetch(`${baseUrl}/${provider}/portal/${id}`);
  await response.body?.cancel();
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const csrf = cookie.slice(cookie.indexOf('=') + 1);
  if (!csrf) throw new Error(`no CSRF cookie from the portal page of ${id}`);
  return { cookie, csrf };
}

/** Posts a portal form as the browser that just showed the page would (its cookie and token). */
export async function submitPortalForm(
  baseUrl: string,
  id: string,
  fields: Record<string, string>,
  options: { provider?: string; path?: string } = {},
) {
  const provider = options.provider ?? 'bmw';
  const { cookie, csrf } = await portalVisit(baseUrl, id, provider);
  return fetch(`${baseUrl}/${provider}/portal/${id}${options.path ?? ''}`, {
    method: 'POST',
    headers: { cookie },
    body: new URLSearchParams({ csrf, ...fields }),
    redirect: 'manual',
  });
}

export function submitDecision(baseUrl: string, id: string, decision: string, provider = 'bmw') {
  return submitPortalForm(baseUrl, id, { decision }, { provider });
}

/** Presses one of the vehicle event buttons of the portal page. */
export function reportEvent(baseUrl: string, id: string, event: string, provider = 'bmw') {
  return submitPortalForm(baseUrl, id, { event }, { provider, path: '/events' });
}
