// The `vin` authorization parameter over real HTTP: a usable VIN is shown fixed on the VIN step and is the
// one consented to, whatever the form posts; without `brand` the VIN's maker code presets a brand the app
// has; an unusable VIN is shown with its localized problem and the owner types their own.
import type * as oauth from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import type { HttpBrowser, Page } from '../support/http-browser.ts';
import { textOf } from '../support/http-browser.ts';
import { bmwVin, interactionBase, miniVin, newBrowser, proveNewEmail, stepOf } from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp, startKeyturn } from '../support/keyturn.ts';
import { message } from '../support/locales.ts';
import { authorizationRequest, discover, redeem } from '../support/relying-party.ts';

/** A BMW VIN other than the one the journey helpers type. */
const requestedBmwVin = 'WBA3A5C55DF598765';
const peugeotVin = 'VF3LCYHZPJS123456';

describe('consent journey › the vin parameter', () => {
  let keyturn: RunningKeyturn;
  let app: RegisteredApp;
  let config: oauth.Configuration;
  let emails = 0;
  const nextEmail = () => `requested${++emails}@example.com`;

  beforeAll(async () => {
    keyturn = await startKeyturn();
    app = await registerTestApp(keyturn);
    config = await discover(keyturn.url, app);
  });
  afterAll(() => keyturn?.close());

  /** Starts the authorization with `parameters` and proves a new owner's address: the step after that. */
  async function afterProof(browser: HttpBrowser, parameters: Record<string, string>, email = nextEmail()) {
    const request = await authorizationRequest(config, parameters);
    const landing = await browser.follow(request.url);
    expect(stepOf(landing)).toBe('landing');
    const account = await browser.follow(`${interactionBase(landing)}/account`);
    return { request, email, page: await proveNewEmail(browser, account, { email }) };
  }

  /** The VINs of the clearances the owner with `email` has given. */
  async function clearanceVins(email: string) {
    const account = await keyturn.repositories.accounts.findByEmail(email);
    if (!account) throw new Error(`no account for ${email}`);
    return (await keyturn.repositories.clearances.listForAccount(account.id)).map((c) => c.vin);
  }

  const fixedVinOf = (page: Page) => /<dd class="vin">([^<]*)<\/dd>/.exec(page.html)?.[1];

  it('GET /interaction/:uid/vin › shows brand=bmw&vin=… fixed, and the clearance is for that VIN', async () => {
    const browser = newBrowser();
    const { request, email, page } = await afterProof(browser, {
      brand: 'bmw',
      vin: requestedBmwVin.toLowerCase(),
    });
    expect(stepOf(page)).toBe('vin');
    expect(page.status).toBe(200);
    expect(fixedVinOf(page)).toBe(requestedBmwVin);
    expect(page.html).not.toMatch(/name="vin"/);
    expect(textOf(page.html)).toContain(
      message('en', 'journey:vin.fixed_heading', { app: 'Service X', brand: 'BMW' }),
    );

    const permissions = await browser.submit(page, {});
    expect(stepOf(permissions)).toBe('permissions');
    expect(textOf(permissions.html)).toContain(requestedBmwVin);
    const done = await browser.submit(permissions, { decision: 'allow' });
    const tokens = await redeem(config, done.url, request);
    const status = await fetch(`${keyturn.url}/v1/authorization`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(await status.json()).toMatchObject({ vin: requestedBmwVin, brand: 'bmw' });
    expect(await clearanceVins(email)).toEqual([requestedBmwVin]);
  });

  it('POST /interaction/:uid/vin › a forged vin or saved_vin field cannot change the requested VIN', async () => {
    const browser = newBrowser();
    const { email, page } = await afterProof(browser, { brand: 'bmw', vin: requestedBmwVin });
    const permissions = await browser.submit(page, { vin: bmwVin, saved_vin: bmwVin });
    expect(stepOf(permissions)).toBe('permissions');
    expect(textOf(permissions.html)).toContain(requestedBmwVin);
    expect(textOf(permissions.html)).not.toContain(bmwVin);
    await browser.submit(permissions, { decision: 'allow' });
    expect(await clearanceVins(email)).toEqual([requestedBmwVin]);
  });

  it('GET /auth › vin=… without brand presets the brand of its maker code when the app has it', async () => {
    const browser = newBrowser('de');
    const { page } = await afterProof(browser, { vin: miniVin });
    expect(stepOf(page)).toBe('vin');
    expect(fixedVinOf(page)).toBe(miniVin);
    expect(textOf(page.html)).toContain(
      message('de', 'journey:vin.fixed_heading', { app: 'Service X', brand: 'MINI' }),
    );
  });

  it('GET /auth › vin=… of a brand the app lacks presets no brand; the VIN step then names the problem', async () => {
    const browser = newBrowser();
    const { page } = await afterProof(browser, { vin: peugeotVin });
    expect(stepOf(page)).toBe('brand');
    const vinStep = await browser.submit(page, { brand: 'bmw' });
    expect(stepOf(vinStep)).toBe('vin');
    expect(textOf(vinStep.html)).toContain(message('en', 'domain:vinProblems.wrong_brand', { brand: 'BMW' }));
  });

  it.each([
    ['too short', { brand: 'bmw', vin: 'WBA8E9G50GNT1234' }, 'length', {}],
    ['with the letter O', { brand: 'bmw', vin: 'WBAOE9G50GNT12345' }, 'forbidden_letters', {}],
    ['with punctuation', { brand: 'bmw', vin: 'WBA8E9G50GNT1234!' }, 'characters', {}],
    ['of another brand than brand', { brand: 'bmw', vin: miniVin }, 'wrong_brand', { brand: 'BMW' }],
  ])(
    'GET /interaction/:uid/vin › shows a vin parameter %s with its localized problem; the owner types their VIN',
    async (_, parameters, problem, values) => {
      const browser = newBrowser();
      const { email, page } = await afterProof(browser, parameters);
      expect(stepOf(page)).toBe('vin');
      expect(page.status).toBe(200);
      expect(fixedVinOf(page)).toBeUndefined();
      const text = textOf(page.html);
      expect(text).toContain(message('en', `domain:vinProblems.${problem}`, values));
      expect(text).toContain(message('en', 'journey:vin.requested_refused', { app: 'Service X' }));
      expect(page.html).toMatch(/<input id="vin" name="vin"[^>]*aria-invalid="true"/);

      const permissions = await browser.submit(page, { vin: bmwVin });
      expect(stepOf(permissions)).toBe('permissions');
      await browser.submit(permissions, { decision: 'allow' });
      expect(await clearanceVins(email)).toEqual([bmwVin]);
    },
  );
});
