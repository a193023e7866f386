// Signing out ends the owner's login everywhere in Keyturn: the dashboard's "Sign out" also ends the login
// session the journey remembers the owner with, and an app's RP-initiated logout (OpenID Connect
// RP-Initiated Logout 1.0) ends both too; the app's grant and tokens outlive the session.
import * as oauth from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { textOf } from '../support/http-browser.ts';
import { newBrowser, passwordLinkFor, stepOf, walkAsNewOwner } from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp, startKeyturn } from '../support/keyturn.ts';
import { message } from '../support/locales.ts';
import { authorizationRequest, discover, redeem } from '../support/relying-party.ts';

const passphrase = 'a long and secret passphrase';

describe('signing out', () => {
  let keyturn: RunningKeyturn;
  let app: RegisteredApp;
  let config: oauth.Configuration;
  let owners = 0;

  beforeAll(async () => {
    keyturn = await startKeyturn();
    app = await registerTestApp(keyturn);
    config = await discover(keyturn.url, app);
  });
  afterAll(() => keyturn?.close());

  /** A browser with a login session (from a journey) and a dashboard session; the app's tokens. */
  async function signedInEverywhere(locale = 'en') {
    const email = `signout${++owners}@example.com`;
    const browser = newBrowser(locale);
    const request = await authorizationRequest(config, { scope: 'openid location' });
    const tokens = await redeem(config, (await walkAsNewOwner(browser, request.url, { email })).url, request);
    await keyturn.worker.drain();
    await browser.submit(await browser.follow(await passwordLinkFor(keyturn.url, email)), {
      password: passphrase,
    });
    const dashboard = await browser.submit(await browser.follow(`${keyturn.url}/account/sign-in`), {
      email,
      password: passphrase,
    });
    expect(new URL(dashboard.url).pathname).toBe('/account');
    expect(stepOf(await browser.follow((await authorizationRequest(config)).url))).toBe('brand');
    return { browser, tokens };
  }

  const dashboardSignedIn = async (browser: ReturnType<typeof newBrowser>) =>
    new URL((await browser.follow(`${keyturn.url}/account`)).url).pathname === '/account';

  it('POST /account/sign-out › also ends the login session: the next authorization starts at the landing page', async () => {
    const { browser } = await signedInEverywhere();
    const dashboard = await browser.follow(`${keyturn.url}/account`);
    await browser.submit(dashboard, {}, '/account/sign-out');
    expect(await dashboardSignedIn(browser)).toBe(false);
    expect(stepOf(await browser.follow((await authorizationRequest(config)).url))).toBe('landing');
  });

  it('GET /session/end › an app signs the owner out after a localized confirmation; both sessions end, the tokens stay', async () => {
    const { browser, tokens } = await signedInEverywhere('de');
    const endSession = oauth.buildEndSessionUrl(config, { id_token_hint: tokens.id_token as string });
    const confirm = await browser.follow(endSession.href);
    expect(confirm.status).toBe(200);
    expect(textOf(confirm.html)).toContain(message('de', 'account:logout.heading'));
    const done = await browser.submit(confirm, { logout: 'yes' });
    expect(textOf(done.html)).toContain(message('de', 'account:logged_out.heading'));

    expect(await dashboardSignedIn(browser)).toBe(false);
    expect(stepOf(await browser.follow((await authorizationRequest(config)).url))).toBe('landing');
    const status = await fetch(`${keyturn.url}/v1/authorization`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(status.status).toBe(200);
  });

  it('GET /.well-known/openid-configuration › advertises the end-session endpoint on the issuer', async () => {
    const discovery = (await (
      await fetch(`${keyturn.url}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(discovery.end_session_endpoint).toBe(`${keyturn.url}/session/end`);
  });
});
