// A fleet operator's side of the fleet API for integration tests: a fleet registered with the CLI's own
// command, an access token by client credentials through openid-client (a real OAuth client), and small
// helpers for the JSON calls.
import * as oauth from 'openid-client';
import { type RegisteredFleet, registerFleet } from '../../src/fleets/register-fleet.ts';
import type { RunningKeyturn } from './keyturn.ts';

export interface TestFleet extends RegisteredFleet {
  token: string;
  /** A JSON call to the fleet API with this fleet's token. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiAnswer>;
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: a test reads whatever JSON the API answered
  body: any;
}

export async function clientCredentialsToken(
  issuer: string,
  credentials: { client_id: string; client_secret: string },
  scope = 'fleet:clearance',
): Promise<string> {
  const config = await oauth.discovery(
    new URL(issuer),
    credentials.client_id,
    undefined,
    oauth.ClientSecretBasic(credentials.client_secret),
    { execute: [oauth.allowInsecureRequests] },
  );
  const tokens = await oauth.clientCredentialsGrant(config, { scope });
  return tokens.access_token;
}

export async function apiCall(
  url: string,
  token: string | undefined,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiAnswer> {
  const raw = body instanceof Uint8Array || typeof body === 'string';
  const response = await fetch(url, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined && !raw ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : raw ? (body as string | Uint8Array) : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {}
  return { status: response.status, headers: response.headers, body: parsed };
}

export async function registerTestFleet(
  keyturn: RunningKeyturn,
  options: { name?: string; adminEmail?: string; webhookUrl?: string } = {},
): Promise<TestFleet> {
  const { repositories } = keyturn;
  const registered = await registerFleet(
    {
      transactions: keyturn.database,
      fleets: repositories.fleets,
      accounts: repositories.accounts,
      members: repositories.fleetMembers,
      outbox: repositories.outbox,
    },
    {
      name: options.name ?? 'Rent-a-Fleet',
      adminEmail: options.adminEmail ?? `fleet.admin.${Math.random().toString(36).slice(2, 8)}@example.com`,
      webhookUrl: options.webhookUrl,
    },
    keyturn.config.webhooks,
  );
  const fleet: TestFleet = {
    ...registered,
    token: await clientCredentialsToken(keyturn.url, registered),
    call: (method, path, body, headers) =>
      apiCall(`${keyturn.url}${path}`, fleet.token, method, body, headers),
  };
  return fleet;
}

/** A minimal PNG (signature and an IHDR chunk's start): enough for a type check from the bytes. */
export const pngBytes = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('0000000d49484452000000010000000108060000001f15c489', 'hex'),
]);
export const pdfBytes = Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n', 'latin1');
export const htmlBytes = Buffer.from('<!doctype html><html><script>alert(1)</script></html>', 'utf8');

export async function uploadDocument(fleet: TestFleet, bytes: Buffer = pngBytes, type = 'image/png') {
  return fleet.call('POST', '/v1/fleet/documents', bytes, { 'content-type': type });
}

/** VINs of each maker the tests register (World Manufacturer Identifiers of the journey's brands). */
export const fleetVins = {
  bmw: 'WBA8E9G50GNT10001',
  mercedes: 'WDD2050041F100002',
  stellantis: 'VF3AAAAAAAA100003',
};
