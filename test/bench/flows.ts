// One full authorization as an owner and an app would do it, over HTTP: Keyturn's journey, the peer's dev flow.
import { createHash, randomBytes } from 'node:crypto';
import { HttpBrowser, type Page } from '../support/http-browser.ts';
import { interactionBase, stepOf } from '../support/journey-page.ts';

export const benchRedirectUri = 'http://127.0.0.1:9/callback';
export const benchVin = 'WBA8E9G50GNT12345';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export const basicAuth = (c: ClientCredentials) =>
  `Basic ${Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.clientSecret)}`).toString('base64')}`;

export function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizationUrl(base: string, clientId: string, challenge: string) {
  const url = new URL('/auth', base);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: benchRedirectUri,
    scope: 'location mileage',
    state: randomBytes(8).toString('hex'),
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  return url.href;
}

/** The test suite's HTTP browser; it stops at the app's redirect URI, and an error page ends the journey. */
function journeyBrowser() {
  return new HttpBrowser((url) => url.href.startsWith(benchRedirectUri));
}

function rendered(page: Page): Page {
  if (page.status >= 400) throw new Error(`${page.status} on ${page.url}: ${page.html.slice(0, 300)}`);
  return page;
}

function codeOf(page: Page): string {
  const code = new URL(page.url).searchParams.get('code');
  if (!code || !page.url.startsWith(benchRedirectUri)) throw new Error(`no code: ${page.url}`);
  return code;
}

/** Redeems a code at the token endpoint; returns the access token. */
export async function exchangeCode(base: string, app: ClientCredentials, code: string, verifier: string) {
  const response = await fetch(new URL('/token', base), {
    method: 'POST',
    headers: { authorization: basicAuth(app), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: benchRedirectUri,
      code_verifier: verifier,
    }).toString(),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!response.ok || !body.access_token) throw new Error(`token exchange failed: ${JSON.stringify(body)}`);
  return body.access_token;
}

/**
 * Keyturn: landing → account → the code mailed to the owner → brand → VIN → permissions → code exchange.
 * Returns requests made.
 */
export async function keyturnJourney(
  base: string,
  app: ClientCredentials,
  email: string,
  readCode: (email: string) => Promise<string>,
) {
  const browser = journeyBrowser();
  const { verifier, challenge } = pkcePair();
  const landing = rendered(await browser.follow(authorizationUrl(base, app.clientId, challenge)));
  if (stepOf(landing) !== 'landing') throw new Error(`expected landing, got ${landing.url}`);
  let page = rendered(await browser.follow(`${interactionBase(landing)}/account`));
  page = rendered(await browser.submit(page, { email, country: 'DE', accept_terms: 'yes' }, '/account'));
  if (stepOf(page) !== 'verify') throw new Error(`expected verify, got ${page.url}`);
  page = rendered(await browser.submit(page, { code: await readCode(email) }, '/verify'));
  if (stepOf(page) === 'brand') page = rendered(await browser.submit(page, { brand: 'bmw' }, '/brand'));
  if (stepOf(page) !== 'vin') throw new Error(`expected vin, got ${page.url}`);
  page = rendered(await browser.submit(page, { vin: benchVin }, '/vin'));
  if (stepOf(page) !== 'permissions') throw new Error(`expected permissions, got ${page.url}`);
  page = rendered(await browser.submit(page, { decision: 'allow' }, '/permissions'));
  const token = await exchangeCode(base, app, codeOf(page), verifier);
  return { token, requests: browser.requests + 1 };
}

/** The peer: oidc-provider's own two-step dev flow (login, consent) → code exchange. */
export async function peerJourney(base: string, app: ClientCredentials, login: string) {
  const browser = journeyBrowser();
  const { verifier, challenge } = pkcePair();
  let page = rendered(await browser.follow(authorizationUrl(base, app.clientId, challenge)));
  page = rendered(await browser.submit(page, { login, password: 'any' }));
  page = rendered(await browser.submit(page, {}));
  const token = await exchangeCode(base, app, codeOf(page), verifier);
  return { token, requests: browser.requests + 1 };
}
