// The FAPI 2.0 variant of the demo app that `npm start` serves: it registers itself as a FAPI 2.0 app with
// the public half of a signing key it made and kept, pushes its authorization request (the browser gets
// only a request_uri), redeems the code with a DPoP proof and reads the status with its DPoP-bound token;
// the status page shows the thumbprint the token is bound to. (Its pages in Chromium: test/browser.)
import { calculateJwkThumbprint, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fapiDemoClientId } from '../../src/dev-tools/demo-fapi/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { type HttpBrowser, textOf } from '../support/http-browser.ts';
import { newBrowser, walkAsNewOwner } from '../support/journey.ts';
import { type RunningKeyturn, startKeyturn } from '../support/keyturn.ts';
import { message } from '../support/locales.ts';

/** The DPoP key the demo keeps in the settings table, as its RFC 7638 thumbprint. */
async function storedDpopThumbprint(keyturn: RunningKeyturn): Promise<string> {
  const row = await keyturn.database
    .query()<{ name: string; value: string }>('settings')
    .where({ name: 'demo_fapi_dpop_key' })
    .first();
  if (!row) throw new Error('the FAPI demo keeps no DPoP key');
  const { d: _private, ...publicJwk } = JSON.parse(row.value) as JWK;
  return calculateJwkThumbprint(publicJwk);
}

/** The access tokens Keyturn holds for the FAPI demo app, as their stored payloads. */
async function accessTokensOfDemo(keyturn: RunningKeyturn) {
  const rows = await keyturn.database
    .query()<{ model: string; payload: string }>('oidc_payloads')
    .where({ model: 'AccessToken' });
  return rows
    .map((row) => JSON.parse(row.payload) as { clientId?: string; jkt?: string; grantId?: string })
    .filter((token) => token.clientId === fapiDemoClientId);
}

/** The thumbprint the status page shows as `cnf.jkt`. */
const shownThumbprint = (html: string) => /<code class="jkt">([^<]+)<\/code>/.exec(html)?.[1];

describe('the FAPI 2.0 demo app of npm start', () => {
  let keyturn: RunningKeyturn;

  beforeAll(async () => {
    keyturn = await startKeyturn();
  });
  afterAll(() => keyturn?.close());

  const connectUrl = (query = 'brand=bmw') => `${keyturn.url}/demo-fapi/connect?${query}`;

  /** Starts the demo's connection and returns where it sent the browser. */
  async function startConnection(browser: HttpBrowser, query?: string): Promise<URL> {
    const answer = await browser.request(connectUrl(query));
    expect(answer.status, answer.html.slice(0, 300)).toBe(302);
    return new URL(answer.headers.get('location') ?? '', keyturn.url);
  }

  it('registers itself as a FAPI 2.0 app with only the public half of its signing key', async () => {
    const app = await keyturn.repositories.apps.find(fapiDemoClientId);
    expect(app).toMatchObject({
      name: 'Demo Fleet App (FAPI 2.0)',
      securityProfile: 'fapi2',
      redirectUris: [`${keyturn.url}/demo-fapi/callback`],
    });
    expect(app?.jwks?.keys).toHaveLength(1);
    expect(app?.jwks?.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(app?.jwks?.keys[0]).not.toHaveProperty('d');
  });

  it('GET /demo-fapi/connect › pushes the request: the browser goes to /auth with only client_id and request_uri', async () => {
    const authorization = await startConnection(newBrowser(), 'brand=bmw&locale=de');
    expect(`${authorization.origin}${authorization.pathname}`).toBe(`${keyturn.url}/auth`);
    expect(authorization.searchParams.get('client_id')).toBe(fapiDemoClientId);
    expect(authorization.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    expect([...authorization.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
  });

  it('walks the journey › pending, read from GET /v1/authorization with the DPoP-bound token whose cnf.jkt the page shows', async () => {
    const browser = newBrowser('en');
    const authorization = await startConnection(browser);
    const page = await walkAsNewOwner(browser, authorization.href, { email: 'fapi.demo@example.com' });

    expect(new URL(page.url).pathname).toBe('/demo-fapi/result');
    expect(page.status).toBe(200);
    const text = textOf(page.html);
    expect(text).toContain(message('en', 'domain:authorizationStatus.pending'));
    expect(text).toContain(message('en', 'demo:result.pending_note'));
    expect(text).not.toContain(message('en', 'demo:result.token_rejected'));
    expect(text).not.toContain(message('en', 'demo:result.error_intro'));
    expect(text).toContain(message('en', 'demo_fapi:profile.heading'));
    expect(text).toContain(`request_uri ${authorization.searchParams.get('request_uri')}`);
    // RFC 6749 §7.1: the token type is case-insensitive (openid-client reports it in lower case).
    expect(text.toLowerCase()).toContain(
      `${message('en', 'demo_fapi:profile.dpop.token_type')} dpop`.toLowerCase(),
    );

    const thumbprint = shownThumbprint(page.html);
    expect(thumbprint).toBe(await storedDpopThumbprint(keyturn));
    const tokens = await accessTokensOfDemo(keyturn);
    expect(tokens).toHaveLength(1);
    expect(tokens[0]?.jkt).toBe(thumbprint);

    // Refreshing reads the status again with a fresh DPoP proof (a replayed one would be refused).
    const again = await browser.follow(`${keyturn.url}/demo-fapi/result`);
    expect(textOf(again.html)).toContain(message('en', 'domain:authorizationStatus.pending'));

    // Once Keyturn no longer holds the token, its DPoP challenge (401) reads as a token no longer accepted.
    await keyturn.database.query()('oidc_payloads').where({ model: 'AccessToken' }).delete();
    const ended = await browser.follow(`${keyturn.url}/demo-fapi/result`);
    expect(ended.status).toBe(200);
    expect(textOf(ended.html)).toContain(message('en', 'demo:result.token_rejected'));
    expect(textOf(ended.html)).not.toContain(message('en', 'demo:result.error_intro'));
  });

  it('GET /demo-fapi/callback › after Deny shows that nothing was shared, with a way back to the variant', async () => {
    const browser = newBrowser('de');
    const page = await walkAsNewOwner(browser, (await startConnection(browser)).href, {
      email: 'fapi.demo.denier@example.com',
      decision: 'deny',
    });
    expect(new URL(page.url).pathname).toBe('/demo-fapi/callback');
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toContain(message('de', 'demo:denied.heading'));
    expect(page.html).toContain(`href="/demo-fapi">${message('de', 'demo:denied.start_again')}</a>`);
  });

  it('GET /demo-fapi/callback › without a connection started in this browser → 400 with the localized message, no tokens', async () => {
    const browser = newBrowser('de');
    const page = await browser.request(`${keyturn.url}/demo-fapi/callback?code=forged&state=forged`);
    expect(page.status).toBe(400);
    expect(textOf(page.html)).toContain(message('de', 'demo_fapi:result.no_pending'));
    const result = await browser.request(`${keyturn.url}/demo-fapi/result`);
    expect(result.status).toBe(302);
    expect(new URL(result.headers.get('location') ?? '', keyturn.url).pathname).toBe('/demo-fapi');
  });

  it('GET /demo-fapi/callback › a code that does not belong to the started connection → 400 with the OAuth error', async () => {
    const browser = newBrowser('en');
    await startConnection(browser);
    const page = await browser.request(`${keyturn.url}/demo-fapi/callback?code=forged&state=forged`);
    expect(page.status).toBe(400);
    expect(textOf(page.html)).toContain(message('en', 'demo:result.error_intro'));
  });

  it('GET /demo › links to the FAPI 2.0 variant', async () => {
    const page = await newBrowser('de').follow(`${keyturn.url}/demo?lang=de`);
    expect(page.html).toContain(`href="/demo-fapi">${message('de', 'demo_fapi:link_from_demo')}</a>`);
  });
});

describe('the FAPI 2.0 demo app › across restarts', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  it('a second start on the same database keeps its keys and follows a new issuer', async () => {
    const first = await startKeyturn({}, database);
    const registered = await first.repositories.apps.find(fapiDemoClientId);
    const thumbprint = await storedDpopThumbprint(first);
    await first.close();

    const second = await startKeyturn({}, database);
    try {
      const again = await second.repositories.apps.find(fapiDemoClientId);
      expect(again?.jwks).toEqual(registered?.jwks);
      expect(again?.redirectUris).toEqual([`${second.url}/demo-fapi/callback`]);
      expect(await storedDpopThumbprint(second)).toBe(thumbprint);
      // The kept signing key still authenticates: the pushed request is accepted.
      const answer = await newBrowser().request(`${second.url}/demo-fapi/connect`);
      expect(answer.status).toBe(302);
      expect(new URL(answer.headers.get('location') ?? '').searchParams.get('request_uri')).toBeTruthy();
    } finally {
      await second.close();
    }
  });
});
