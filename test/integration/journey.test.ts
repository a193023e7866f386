import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { textOf } from '../support/http-browser.ts';
import { bmwVin, newBrowser, passwordLinkFor, signIn, stepOf, walkAsNewOwner } from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp, startKeyturn } from '../support/keyturn.ts';
import { authorizationRequest, discover, redeem } from '../support/relying-party.ts';

describe('consent journey', () => {
  let keyturn: RunningKeyturn;
  let app: RegisteredApp;

  beforeAll(async () => {
    keyturn = await startKeyturn();
    app = await registerTestApp(keyturn);
  });
  afterAll(() => keyturn?.close());

  it('GET /auth › a new owner walks all five steps in English and the app gets a pending token', async () => {
    const config = await discover(keyturn.url, app);
    const request = await authorizationRequest(config);
    const browser = newBrowser('en');
    const done = await walkAsNewOwner(browser, request.url, { email: 'new.owner@example.com' });
    const callback = new URL(done.url);
    expect(callback.searchParams.get('iss')).toBe(keyturn.url);
    expect(callback.searchParams.get('state')).toBe(request.state);
    const tokens = await redeem(config, done.url, request);
    expect(tokens.access_token).toBeTruthy();
    expect(tokens.refresh_token).toBeTruthy();
    const status = await fetch(`${keyturn.url}/v1/authorization`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(status.status).toBe(200);
    expect(await status.json()).toEqual({
      status: 'pending',
      vehicle_status: 'pending',
      vin: bmwVin,
      brand: 'bmw',
      scope: 'location mileage offline_access',
    });
  });

  it('GET /auth › the journey speaks German when the app passes locale=de', async () => {
    const config = await discover(keyturn.url, app);
    const request = await authorizationRequest(config, { locale: 'de' });
    const browser = newBrowser('en');
    const landing = await browser.follow(request.url);
    expect(stepOf(landing)).toBe('landing');
    expect(landing.html).toContain('lang="de"');
    const done = await walkAsNewOwner(browser, request.url, { email: 'neu@example.de' });
    expect(new URL(done.url).searchParams.get('code')).toBeTruthy();
  });

  it('POST /account/password › a new owner sets a password from the mail and signs in with a saved VIN', async () => {
    const config = await discover(keyturn.url, app);
    const email = 'returning@example.com';
    await walkAsNewOwner(newBrowser(), (await authorizationRequest(config)).url, { email, vin: bmwVin });
    await keyturn.worker.drain();
    const link = await passwordLinkFor(keyturn.url, email);
    expect(link).toBeTruthy();

    const browser = newBrowser();
    const form = await browser.follow(link as string);
    expect(form.status).toBe(200);
    const saved = await browser.submit(form, { password: 'correct horse battery staple' });
    expect(saved.status).toBe(200);

    const request = await authorizationRequest(config);
    const again = newBrowser();
    let page = await signIn(again, request.url, email, 'correct horse battery staple');
    expect(stepOf(page)).toBe('brand');
    page = await again.submit(page, { brand: 'bmw' });
    expect(stepOf(page)).toBe('vin');
    expect(textOf(page.html)).toContain(bmwVin);
    page = await again.submit(page, { saved_vin: bmwVin });
    expect(stepOf(page)).toBe('permissions');
    const done = await again.submit(page, { decision: 'allow' });
    const tokens = await redeem(config, done.url, request);
    expect(tokens.access_token).toBeTruthy();
  });
});

describe('consent journey in a browser that already has a session', () => {
  let keyturn: RunningKeyturn;
  let app: RegisteredApp;

  beforeAll(async () => {
    keyturn = await startKeyturn();
    app = await registerTestApp(keyturn);
  });
  afterAll(() => keyturn?.close());

  it('GET /auth › a second authorization in the same browser shows brand, VIN and permissions again', async () => {
    const config = await discover(keyturn.url, app);
    const browser = newBrowser();
    const first = await walkAsNewOwner(browser, (await authorizationRequest(config)).url, {
      email: 'twice@example.com',
    });
    expect(new URL(first.url).searchParams.get('code')).toBeTruthy();
    const second = await browser.follow((await authorizationRequest(config)).url);
    expect(stepOf(second)).toBe('brand');
    const vin = await browser.submit(second, { brand: 'mini' });
    expect(stepOf(vin)).toBe('vin');
    const permissions = await browser.submit(vin, { vin: 'WMWXR31020TL12345' });
    expect(stepOf(permissions)).toBe('permissions');
    const done = await browser.submit(permissions, { decision: 'allow' });
    expect(new URL(done.url).searchParams.get('code')).toBeTruthy();
  });
});
