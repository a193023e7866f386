import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { textOf } from '../support/http-browser.ts';
import {
  bmwVin,
  interactionBase,
  mailsTo,
  miniVin,
  newBrowser,
  passwordLinkFor,
  proveNewEmail,
  signIn,
  stepOf,
  walkAsNewOwner,
} from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp, startKeyturn } from '../support/keyturn.ts';
import { message } from '../support/locales.ts';
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
      pending_since: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      resolution_url: null,
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

  // Mailed at consent, while the maker has not answered: it may still reject the VIN.
  it.each([
    ['en', 'mini.owner@example.com', /sent this request to MINI/, /connected/i],
    ['de', 'mini.besitzer@example.de', /Anfrage an MINI gesendet/, /verbunden/i],
  ] as const)(
    'POST /interaction/:uid/permissions › the new owner’s %s mail says the request was sent to the maker by brand name, not that the vehicle is connected',
    async (locale, email, sent, connected) => {
      const config = await discover(keyturn.url, app);
      const request = await authorizationRequest(config, { locale });
      await walkAsNewOwner(newBrowser(locale), request.url, { email, brand: 'mini', vin: miniVin });
      await keyturn.worker.drain();
      const mail = (await mailsTo(keyturn.url, email)).find((m) =>
        m.text.includes('/account/password?token='),
      );
      expect(mail?.subject).toBe(message(locale, 'mail:set_password.subject', { brand: 'MINI' }));
      expect(mail?.text).toMatch(sent);
      expect(mail?.text).toContain(miniVin);
      expect(mail?.text).toContain('Service X');
      expect(mail?.text).not.toMatch(connected);
      expect(mail?.subject).not.toMatch(connected);
      expect(mail?.text).toMatch(
        locale === 'en' ? /^Hello,\n\nService X asked/ : /^Guten Tag,\n\nService X hat/,
      );
    },
  );

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

describe('consent journey › one consent per journey', () => {
  let keyturn: RunningKeyturn;
  let app: RegisteredApp;

  beforeAll(async () => {
    keyturn = await startKeyturn();
    app = await registerTestApp(keyturn);
  });
  afterAll(() => keyturn?.close());

  async function permissionsPage(email: string) {
    const config = await discover(keyturn.url, app);
    const request = await authorizationRequest(config);
    const browser = newBrowser();
    const landing = await browser.follow(request.url);
    let page = await proveNewEmail(browser, await browser.follow(`${interactionBase(landing)}/account`), {
      email,
    });
    page = await browser.submit(page, { brand: 'bmw' });
    page = await browser.submit(page, { vin: bmwVin });
    expect(stepOf(page)).toBe('permissions');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.html)?.[1] as string;
    return { config, request, browser, page, csrf };
  }

  async function count(query: Promise<Array<Record<string, unknown>>>): Promise<number> {
    return Number((await query)[0]?.n);
  }

  async function consentsOf(email: string) {
    const knex = keyturn.database.query();
    const account = await keyturn.repositories.accounts.findByEmail(email);
    const id = account?.id as string;
    return {
      clearances: await count(knex('clearances').where({ account_id: id }).count({ n: '*' })),
      grants: await count(
        knex('oidc_payloads').where({ model: 'Grant' }).andWhereLike('payload', `%${id}%`).count({ n: '*' }),
      ),
      ownerMails: await count(
        knex('outbox').where({ kind: 'owner_mail' }).andWhereLike('payload', `%${id}%`).count({ n: '*' }),
      ),
    };
  }

  it('POST /interaction/:uid/permissions › two parallel Allows give one consent: one grant, clearance, maker request and mail', async () => {
    const email = 'double.click@example.com';
    const requestsBefore = await count(
      keyturn.database.query()('outbox').where({ kind: 'clearance_request' }).count({ n: '*' }),
    );
    const { config, request, browser, page, csrf } = await permissionsPage(email);
    const clicks = await Promise.all(
      [1, 2].map(() => browser.request(page.url, { method: 'POST', form: { csrf, decision: 'allow' } })),
    );
    expect(clicks.map((click) => click.status)).toEqual([303, 303]);
    expect(clicks[0]?.headers.get('location')).toBe(clicks[1]?.headers.get('location'));
    const after = await consentsOf(email);
    expect(after).toEqual({ clearances: 1, grants: 1, ownerMails: 1 });
    const requestsAfter = await count(
      keyturn.database.query()('outbox').where({ kind: 'clearance_request' }).count({ n: '*' }),
    );
    expect(requestsAfter).toBe(requestsBefore + 1);
    // The browser shows the last click's answer: it leads back to the app with a code that works.
    const done = await browser.follow(new URL(clicks[1]?.headers.get('location') as string, page.url).href);
    expect((await redeem(config, done.url, request)).access_token).toBeTruthy();
  });

  it('POST /interaction/:uid/permissions › Deny after Allow changes nothing: the app gets the code', async () => {
    const email = 'allow.then.deny@example.com';
    const { browser, page, csrf } = await permissionsPage(email);
    const allowed = await browser.request(page.url, { method: 'POST', form: { csrf, decision: 'allow' } });
    const denied = await browser.request(page.url, { method: 'POST', form: { csrf, decision: 'deny' } });
    expect(denied.status).toBe(303);
    expect(denied.headers.get('location')).toBe(allowed.headers.get('location'));
    const done = await browser.follow(new URL(denied.headers.get('location') as string, page.url).href);
    expect(new URL(done.url).searchParams.get('code')).toBeTruthy();
    expect((await consentsOf(email)).clearances).toBe(1);
  });
});
