// Every absolute URL comes from ISSUER, never from the request's Host or X-Forwarded-* headers; cookies
// are Secure whenever the issuer is https (TLS may end at a proxy Keyturn does not trust for addresses);
// a production server with an https issuer sends HSTS (RFC 6797) on every response.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningKeyturn, registerTestApp, startKeyturn } from '../support/keyturn.ts';
import { productionEnv } from '../support/production.ts';
import { authorizationRequest, discover } from '../support/relying-party.ts';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET with exactly these headers (fetch would not send a Host of our choosing). */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const endpointsOf = (discovery: Record<string, unknown>) =>
  Object.entries(discovery).filter(([key]) => key.endsWith('_endpoint') || key === 'jwks_uri') as Array<
    [string, string]
  >;

describe('URLs from the issuer', () => {
  let keyturn: RunningKeyturn;
  let proxied: RunningKeyturn;

  beforeAll(async () => {
    keyturn = await startKeyturn();
    proxied = await startKeyturn({ TRUST_PROXY: 'true' });
  });
  afterAll(async () => {
    await proxied?.close();
    await keyturn?.close();
  });

  it('GET /.well-known/openid-configuration › with Host: evil.example every endpoint stays on the issuer', async () => {
    const answer = await rawGet(`${keyturn.url}/.well-known/openid-configuration`, { host: 'evil.example' });
    expect(answer.status).toBe(200);
    expect(answer.body).not.toContain('evil.example');
    const discovery = JSON.parse(answer.body) as Record<string, unknown>;
    expect(discovery.issuer).toBe(keyturn.url);
    const endpoints = endpointsOf(discovery);
    expect(endpoints.map(([key]) => key)).toEqual(
      expect.arrayContaining(['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'revocation_endpoint']),
    );
    for (const [, url] of endpoints) expect(url.startsWith(`${keyturn.url}/`)).toBe(true);
  });

  it('GET /.well-known/openid-configuration › behind a trusted proxy, X-Forwarded-Host and -Proto change nothing either', async () => {
    const answer = await rawGet(`${proxied.url}/.well-known/openid-configuration`, {
      host: 'evil.example',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'https',
    });
    expect(answer.body).not.toContain('evil.example');
    for (const [, url] of endpointsOf(JSON.parse(answer.body)))
      expect(url.startsWith(`${proxied.url}/`)).toBe(true);
  });

  it('GET /auth › with a forged Host the redirects and the journey page name no other host', async () => {
    const app = await registerTestApp(keyturn);
    const { url } = await authorizationRequest(await discover(keyturn.url, app));
    const answer = await rawGet(url, { host: 'evil.example' });
    expect(answer.status).toBe(303);
    expect(String(answer.headers.location)).not.toContain('evil.example');
  });
});

describe('cookies and transport with an https issuer', () => {
  it('GET /auth › every cookie is Secure when the issuer is https, though TLS ended before Keyturn and no proxy is trusted', async () => {
    const keyturn = await startKeyturn({ ISSUER: 'https://keyturn.example' });
    try {
      const app = await registerTestApp(keyturn);
      const query = new URLSearchParams({
        client_id: app.client_id,
        redirect_uri: 'http://127.0.0.1:9/callback',
        response_type: 'code',
        scope: 'location',
        state: 'state-1',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      });
      const authorization = await rawGet(`${keyturn.url}/auth?${query}`);
      expect(authorization.status).toBe(303);
      const location = String(authorization.headers.location);
      const journey = await rawGet(
        new URL(location, keyturn.url).href.replace('https://keyturn.example', keyturn.url),
        {
          cookie: ([] as string[])
            .concat(authorization.headers['set-cookie'] ?? [])
            .map((c) => c.split(';')[0])
            .join('; '),
        },
      );
      const cookies = ([] as string[])
        .concat(authorization.headers['set-cookie'] ?? [])
        .concat(journey.headers['set-cookie'] ?? []);
      expect(cookies.length).toBeGreaterThanOrEqual(3);
      for (const cookie of cookies) expect(cookie.toLowerCase()).toContain('; secure');
      expect(authorization.headers['strict-transport-security']).toBeUndefined();
    } finally {
      await keyturn.close();
    }
  });

  it('GET /healthz › a production server with an https issuer sends HSTS for a year on every response', async () => {
    const keyturn = await startKeyturn(productionEnv());
    try {
      for (const path of [
        '/healthz',
        '/.well-known/openid-configuration',
        '/account/sign-in',
        '/no-such-page',
      ]) {
        const answer = await rawGet(`${keyturn.url}${path}`);
        expect(answer.headers['strict-transport-security'], path).toBe('max-age=31536000');
      }
    } finally {
      await keyturn.close();
    }
  });
});
