// One consent journey in a real browser: headless Debian Chromium driven by playwright-core, on a
// phone-sized screen. Proves that cookies, CSRF tokens and the redirect chain back to the app work as a
// person's browser handles them. Needs /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { accessibilityViolations, expectToFitPhone, openBrowser } from '../support/chromium.ts';
import {
  bmwVin,
  codeMailedTo,
  newBrowser as openHttpBrowser,
  passwordLinkFor,
  walkAsNewOwner,
} from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp, startKeyturn } from '../support/keyturn.ts';
import { newestClearance } from '../support/relay.ts';
import { authorizationRequest, discover, redeem } from '../support/relying-party.ts';

/**
 * The app's redirect URI: a tiny HTTP server that records each callback's parameters (the query, or a
 * form_post body) and answers "ok".
 */
interface Receiver {
  callbackUrl: string;
  received: URL[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const received: URL[] = [];
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (url.pathname !== '/callback') return void res.writeHead(404).end();
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      url.search = Buffer.concat(chunks).toString('utf8');
    }
    received.push(url);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    callbackUrl: `http://127.0.0.1:${port}/callback`,
    received,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const stepOf = (page: Page) => page.getAttribute('main', 'data-step');

describe('consent journey in headless Chromium', () => {
  let keyturn: RunningKeyturn;
  let receiver: Receiver;
  let app: RegisteredApp;
  let browser: Awaited<ReturnType<typeof openBrowser>> | undefined;

  beforeAll(async () => {
    keyturn = await startKeyturn();
    receiver = await startReceiver();
    app = await registerTestApp(keyturn, { redirectUris: [receiver.callbackUrl] });
  });
  afterEach(async () => {
    await browser?.close();
    browser = undefined;
  });
  afterAll(async () => {
    await receiver?.close();
    await keyturn?.close();
  });

  async function openJourney(page: Page, authorizationUrl: string): Promise<void> {
    await page.goto(authorizationUrl);
    expect(await stepOf(page)).toBe('landing');
  }

  /** From the landing page: "I'm new" → account → brand → VIN, ending on the permissions page. */
  async function walkToPermissions(page: Page, email: string): Promise<void> {
    await page.click('a.button.primary[href$="/account"]');
    await page.waitForURL(/\/account$/);
    await page.fill('input[name=email]', email);
    await page.selectOption('select[name=country]', 'DE');
    await page.check('input[name=accept_terms]');
    await page.click('form button.primary[type=submit]');
    await page.waitForURL(/\/verify$/);
    await page.fill('input[name=code]', await codeMailedTo(keyturn.url, email));
    await page.click('form button.primary[type=submit]');
    await page.waitForURL(/\/brand$/);
    await page.check('input[name=brand][value=bmw]');
    await page.click('form button.primary[type=submit]');
    await page.waitForURL(/\/vin$/);
    await page.fill('input[name=vin]', bmwVin);
    await page.click('form button.primary[type=submit]');
    await page.waitForURL(/\/permissions$/);
  }

  async function allow(page: Page): Promise<URL> {
    await page.click('button[name=decision][value=allow]');
    await page.waitForURL((url) => url.href.startsWith(receiver.callbackUrl));
    expect(await page.textContent('body')).toBe('ok');
    const callback = receiver.received.at(-1);
    if (!callback) throw new Error('the receiver got no callback');
    return callback;
  }

  it('GET /auth?response_mode=form_post › the browser posts the code to the app (the CSP lets the form submit itself)', async () => {
    const config = await discover(keyturn.url, app);
    const request = await authorizationRequest(config, {
      redirect_uri: receiver.callbackUrl,
      response_mode: 'form_post',
    });
    browser = await openBrowser();
    const { page } = browser;
    await openJourney(page, request.url);
    await walkToPermissions(page, 'form.post.owner@example.com');
    const callback = await allow(page);
    expect(callback.searchParams.get('code')).toBeTruthy();
    expect(callback.searchParams.get('state')).toBe(request.state);
  });

  it('GET /auth › a new owner clicks through all five steps and the app gets a pending token', async () => {
    const config = await discover(keyturn.url, app);
    const request = await authorizationRequest(config, { redirect_uri: receiver.callbackUrl });
    browser = await openBrowser();
    const { page } = browser;

    await openJourney(page, request.url);
    await walkToPermissions(page, 'browser.owner@example.com');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.textContent('h1')).toContain('Service X wants to access data from your vehicle');
    expect(await page.textContent('dd.vin')).toBe(bmwVin);
    await expectToFitPhone(page, 'permissions-en');

    const callback = await allow(page);
    expect(callback.searchParams.get('code')).toBeTruthy();
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect(callback.searchParams.get('iss')).toBe(keyturn.url);

    const tokens = await redeem(config, callback.href, request);
    expect(tokens.access_token).toBeTruthy();
    expect(tokens.refresh_token).toBeTruthy();
    const status = await fetch(`${keyturn.url}/v1/authorization`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ status: 'pending', vin: bmwVin, brand: 'bmw' });
  });

  it('GET /auth › with locale=de the browser journey is German from landing to permissions', async () => {
    const config = await discover(keyturn.url, app);
    const request = await authorizationRequest(config, {
      redirect_uri: receiver.callbackUrl,
      locale: 'de',
    });
    browser = await openBrowser();
    const { page } = browser;

    await openJourney(page, request.url);
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    expect(await page.textContent('h1')).toContain('Verbinden Sie Ihr Fahrzeug mit Service X');

    await walkToPermissions(page, 'browser.neu@example.de');
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    expect(await page.textContent('h1')).toContain('Service X möchte auf Daten Ihres Fahrzeugs zugreifen');
    expect((await page.textContent('button[name=decision][value=allow]'))?.trim()).toBe('Erlauben');
    await expectToFitPhone(page, 'permissions-de');

    const callback = await allow(page);
    expect(callback.searchParams.get('state')).toBe(request.state);
    const tokens = await redeem(config, callback.href, request);
    const status = await fetch(`${keyturn.url}/v1/authorization`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(await status.json()).toMatchObject({ status: 'pending' });
  });

  it('POST /interaction/:uid/cancel › the owner presses Cancel on the landing page and the app gets error=access_denied', async () => {
    const config = await discover(keyturn.url, app);
    const request = await authorizationRequest(config, { redirect_uri: receiver.callbackUrl });
    browser = await openBrowser();
    const { page } = browser;

    await openJourney(page, request.url);
    await expectToFitPhone(page, 'landing-en');
    await page.getByRole('button', { name: 'Cancel and return to the app', exact: true }).click();
    await page.waitForURL((url) => url.href.startsWith(receiver.callbackUrl));
    const callback = receiver.received.at(-1);
    expect(callback?.searchParams.get('error')).toBe('access_denied');
    expect(callback?.searchParams.get('state')).toBe(request.state);
    expect(callback?.searchParams.has('code')).toBe(false);
  });

  it('GET /account/password/forgot › an owner who forgot the password gets a link, sets a new one and signs in', async () => {
    const email = 'forgetful.owner@example.com';
    await keyturn.repositories.accounts.findOrCreate({ email, country: 'DE', locale: 'en' });
    browser = await openBrowser();
    const { page } = browser;

    await page.goto(`${keyturn.url}/account`);
    await expectToFitPhone(page, 'sign-in-en');
    await page.click('a[href="/account/password/forgot"]');
    await page.waitForURL(/\/account\/password\/forgot$/);
    await expectToFitPhone(page, 'forgot-password-en');
    await page.fill('input[name=email]', email);
    await page.click('form button.primary[type=submit]');
    expect(await page.textContent('h1')).toContain('Check your inbox');

    await keyturn.worker.drain();
    await page.goto(await passwordLinkFor(keyturn.url, email));
    await page.fill('input[name=password]', 'a brand new passphrase');
    await page.click('form button.primary[type=submit]');
    expect(await page.textContent('h1')).toContain('Your password has been saved');

    await page.click('a.button.primary[href="/account"]');
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', 'a brand new passphrase');
    await page.click('form button.primary[type=submit]');
    await page.waitForURL(/\/account$/);
    expect(await page.textContent('main')).toContain(`Signed in as ${email}`);
  });

  it('GET /account › on a 320 px phone in German the VIN stays on one line and “Zugriff widerrufen” leads to a confirmation', async () => {
    const email = 'narrow.owner@example.com';
    const vin = bmwVin;
    const config = await discover(keyturn.url, app);
    const request = await authorizationRequest(config, { redirect_uri: receiver.callbackUrl });
    await walkAsNewOwner(openHttpBrowser(), request.url, { email, vin });
    const clearance = await newestClearance(keyturn);
    await keyturn.worker.drain();
    const owner = await openHttpBrowser();
    await owner.submit(await owner.follow(await passwordLinkFor(keyturn.url, email)), {
      password: 'a long and secret passphrase',
    });
    browser = await openBrowser({ width: 320, height: 640 });
    const { page } = browser;
    await page.setExtraHTTPHeaders({ 'accept-language': 'de' });

    await page.goto(`${keyturn.url}/account`);
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', 'a long and secret passphrase');
    await page.click('form button.primary[type=submit]');
    await page.waitForURL(/\/account$/);
    const vinBox = page.locator('.grant .vin', { hasText: vin });
    const { lines, width } = await vinBox.evaluate((el) => ({
      lines: el.getClientRects().length,
      width: el.getBoundingClientRect().right,
    }));
    expect(lines).toBe(1);
    expect(width).toBeLessThanOrEqual(320);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(320);
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.getByRole('link', { name: /^Zugriff widerrufen/ }).click();
    await page.waitForURL(new RegExp(`/account/access/${clearance.id}/revoke$`));
    expect(await page.textContent('main')).toContain(vin);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Zugriff widerrufen', exact: true }).click();
    await page.waitForURL(/\/account\?revoked=1$/);
    expect((await keyturn.repositories.clearances.find(clearance.id))?.status).toBe('disconnected');
  });
});
