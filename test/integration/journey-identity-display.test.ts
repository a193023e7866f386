// The consent journey shows who is asking and what for, in words both languages agree on: the app's
// monogram or logo, name, redirect host and links on every page; the grant's lifetime from configuration,
// grouped data points and worded sensitive markers on the permissions page; "Continuing as … · Not you?"
// for an owner known from the browser's login session; a refused sign-in said at the top of the landing;
// and "Continue as MINI" for a MINI's VIN typed under BMW (and the reverse).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { demoClientId } from '../../src/dev-tools/demo/app.ts';
import { type HttpBrowser, type Page, textOf } from '../support/http-browser.ts';
import {
  bmwVin,
  interactionBase,
  miniVin,
  newBrowser,
  proveNewEmail,
  stepOf,
  walkAsNewOwner,
} from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp, startKeyturn } from '../support/keyturn.ts';
import { message, type TestLocale } from '../support/locales.ts';
import { authorizationRequest, discover, redeem } from '../support/relying-party.ts';

const grantDays = 30;

/** The journey's strings as written in the locale files (every key, nested keys joined with dots). */
function journeyStrings(locale: TestLocale): Map<string, string> {
  const file = new URL(`../../locales/${locale}/journey.json`, import.meta.url);
  const strings = new Map<string, string>();
  const walk = (node: unknown, path: string) => {
    if (typeof node === 'string') strings.set(path, node);
    else
      for (const [key, value] of Object.entries(node as object)) walk(value, path ? `${path}.${key}` : key);
  };
  walk(JSON.parse(readFileSync(file, 'utf8')), '');
  return strings;
}

/** WCAG 2.1 contrast ratio of two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const luminance = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((at) => {
      const channel = Number.parseInt(hex.slice(at, at + 2), 16) / 255;
      return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (bl ?? 0);
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return ((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05);
}

describe('consent journey › who asks for what', () => {
  let keyturn: RunningKeyturn;
  let app: RegisteredApp;
  let owners = 0;
  const nextEmail = () => `display${++owners}@example.com`;

  beforeAll(async () => {
    // A grant lifetime other than the default: the page must show the configured one.
    keyturn = await startKeyturn({ GRANT_TTL: String(grantDays * 86_400) });
    app = await registerTestApp(keyturn, {
      name: 'Service X',
      scopes: ['location', 'mileage', 'battery_level', 'navigation_destination', 'maintenance'],
    });
    const registered = await keyturn.repositories.apps.find(app.client_id);
    if (!registered) throw new Error('the test app was not stored');
    await keyturn.repositories.apps.replace({
      ...registered,
      privacyUrl: 'https://service-x.example/privacy',
      termsUrl: 'https://service-x.example/terms',
    });
  });
  afterAll(() => keyturn?.close());

  async function journey(parameters: Record<string, string> = {}, browser = newBrowser()) {
    const config = await discover(keyturn.url, app);
    const request = await authorizationRequest(config, {
      scope: 'location mileage battery_level navigation_destination',
      ...parameters,
    });
    const landing = await browser.follow(request.url);
    return { config, request, browser, landing };
  }

  async function toPermissions(brand = 'bmw', vin = bmwVin) {
    const { browser, landing } = await journey();
    let page = await proveNewEmail(browser, await browser.follow(`${interactionBase(landing)}/account`), {
      email: nextEmail(),
    });
    page = await browser.submit(page, { brand });
    page = await browser.submit(page, { vin });
    expect(stepOf(page)).toBe('permissions');
    return { browser, page };
  }

  const requesterOf = (page: Page) =>
    /<section class="requester-card[^"]*"[\s\S]*?<\/section>/.exec(page.html)?.[0] ?? '';

  it('GET /interaction/:uid/* › every step names the app with its monogram, the redirect host and its links', async () => {
    const { browser, landing } = await journey();
    const account = await browser.follow(`${interactionBase(landing)}/account`);
    const verify = await browser.submit(account, { email: nextEmail(), country: 'DE', accept_terms: 'yes' });
    for (const page of [landing, account, verify]) {
      const requester = requesterOf(page);
      expect(requester, stepOf(page)).toMatch(
        /<span class="monogram tone-[0-7]" aria-hidden="true">SX<\/span>/,
      );
      expect(textOf(requester)).toContain('Service X');
      // The host of this request's redirect_uri.
      expect(textOf(requester)).toContain('127.0.0.1:9');
      expect(requester).toContain('href="https://service-x.example/privacy"');
      expect(requester).toContain('href="https://service-x.example/terms"');
      expect(requester).not.toContain('<img');
    }
  });

  it('GET /interaction/:uid/permissions › shows how long access lasts from the configured grant lifetime', async () => {
    const { page } = await toPermissions();
    const requester = requesterOf(page);
    expect(requester).toContain('requester-card prominent');
    expect(textOf(requester)).toContain(
      message('en', 'journey:requester.access_lasts_other', { count: String(grantDays) }),
    );
    expect(textOf(page.html)).not.toContain('365 days');
  });

  it('GET /interaction/:uid/* › an app with an https logo shows the logo instead of the monogram; an app without links shows none', async () => {
    const plain = await registerTestApp(keyturn, {
      name: 'Logo App',
      logoUri: 'https://logo-app.example/logo.png',
    });
    const config = await discover(keyturn.url, plain);
    const landing = await newBrowser().follow((await authorizationRequest(config)).url);
    const requester = requesterOf(landing);
    expect(requester).toContain('<img class="requester-logo" src="https://logo-app.example/logo.png"');
    expect(requester).not.toContain('class="monogram');
    expect(requester).not.toContain('requester-links');
    // The Content-Security-Policy lets the browser load it.
    expect(landing.headers.get('content-security-policy')).toMatch(/img-src [^;]*https:/);
  });

  it('keyturn.css › every monogram tone gives its white letter at least 4.5:1 contrast', () => {
    const css = readFileSync(new URL('../../views/static/keyturn.css', import.meta.url), 'utf8');
    const tones = [...css.matchAll(/\.monogram\.tone-(\d+) \{ background: (#[0-9a-f]{6}); \}/g)];
    expect(tones.map((tone) => tone[1])).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    for (const [, , colour] of tones)
      expect(contrast('#ffffff', colour as string)).toBeGreaterThanOrEqual(4.5);
  });

  it('GET /interaction/:uid/permissions › groups the data points and marks location and navigation destination as sensitive in words', async () => {
    const { page } = await toPermissions();
    const headings = [...page.html.matchAll(/<h3 id="group-([a-z_]+)">([^<]+)<\/h3>/g)].map((m) => m[2]);
    expect(headings).toEqual([
      message('en', 'domain:dataPointGroups.location_trips'),
      message('en', 'domain:dataPointGroups.vehicle_state'),
      message('en', 'domain:dataPointGroups.energy_charging'),
    ]);
    const item = (id: string) =>
      new RegExp(`<li[^>]*data-point="${id}">[\\s\\S]*?</li>`).exec(page.html)?.[0] ?? '';
    const marker = message('en', 'journey:permissions.sensitive');
    expect(textOf(item('location'))).toContain(marker);
    expect(textOf(item('navigation_destination'))).toContain(marker);
    expect(textOf(item('mileage'))).not.toContain(marker);
    expect(textOf(item('battery_level'))).not.toContain(marker);
    // Details open without script; the decision comes before the list and again after it.
    expect(item('location')).toContain('<details>');
    const allows = [...page.html.matchAll(/name="decision" value="allow"/g)].map((m) => m.index ?? 0);
    expect(allows).toHaveLength(2);
    expect(allows[0]).toBeLessThan(page.html.indexOf('data-point="location"'));
  });

  it('journey copy › "I\'m new" and the page it leads to say the same thing; the indicator has four named steps', async () => {
    for (const locale of ['en', 'de'] as const) {
      const { browser, landing } = await journey({ locale });
      const account = await browser.follow(`${interactionBase(landing)}/account`);
      const choice = message(locale, 'journey:landing.new_owner');
      const heading = message(locale, 'journey:account.heading');
      expect(textOf(landing.html)).toContain(choice);
      expect(heading).not.toMatch(/create|erstellen/i);
      // The landing's choice names what the account page asks for: the email address.
      const emailWords = locale === 'en' ? 'email address' : 'E-Mail-Adresse';
      expect(choice).toContain(emailWords);
      expect(heading).toContain(emailWords);
      expect(/<h1>([^<]+)<\/h1>/.exec(account.html)?.[1]).toBe(heading);
      const indicator = [...landing.html.matchAll(/<span class="step-label">([^<]+)<\/span>/g)].map(
        (m) => m[1],
      );
      expect(indicator).toEqual(
        ['identity', 'brand', 'vin', 'permissions'].map((id) => message(locale, `journey:steps.${id}`)),
      );
      // Both ways through the first step show the same step as current.
      for (const page of [landing, account]) {
        expect(
          /<li class="current" aria-current="step">\s*<span class="step-label">([^<]+)</.exec(page.html)?.[1],
        ).toBe(message(locale, 'journey:steps.identity'));
      }
    }
  });

  it('journey copy › German names the vehicle "Fahrzeug" throughout, never "Auto"; both languages have the same keys', () => {
    const de = journeyStrings('de');
    for (const [key, text] of de) expect(text, key).not.toMatch(/\bAutos?\b/);
    expect([...de.keys()].sort()).toEqual([...journeyStrings('en').keys()].sort());
  });

  it('POST /interaction/:uid › a wrong password is said at the top of the landing, linked to the form', async () => {
    const { browser, landing } = await journey();
    const refused = await browser.submit(
      landing,
      { email: 'nobody@example.com', password: 'wrong' },
      'landing',
    );
    expect(refused.status).toBe(400);
    const summary = /<div class="alert error-summary" role="alert" id="error-summary">[\s\S]*?<\/div>/.exec(
      refused.html,
    )?.[0];
    expect(textOf(summary ?? '')).toContain(message('en', 'journey:errors.sign_in_failed'));
    expect(summary).toContain('href="#email"');
    // Before the heading and the "I'm new" button, so a phone shows it without scrolling.
    expect(refused.html.indexOf('id="error-summary"')).toBeLessThan(refused.html.indexOf('<h1>'));
    expect(refused.html).toMatch(/id="email"[^>]*aria-invalid="true" aria-describedby="sign-in-error"/);
  });

  it('POST /interaction/:uid/not-you › an owner known from the login session is named masked; "Not you?" ends that identity and the consent logs in the next owner', async () => {
    const browser = newBrowser();
    const config = await discover(keyturn.url, app);
    const first = await walkAsNewOwner(browser, (await authorizationRequest(config)).url, {
      email: 'marta@example.com',
    });
    expect(new URL(first.url).searchParams.get('code')).toBeTruthy();

    const request = await authorizationRequest(config, { scope: 'openid location' });
    const brandPage = await browser.follow(request.url);
    expect(stepOf(brandPage)).toBe('brand');
    expect(textOf(brandPage.html)).toContain(
      `${message('en', 'journey:continuing_as', { email: 'm…@example.com' })} · ${message('en', 'journey:not_you')}`,
    );
    expect(brandPage.html).not.toContain('marta@example.com');
    // The page's own form stays first; "Not you?" submits the form after it.
    expect(brandPage.html).toMatch(/<button class="link" type="submit" form="not-you">/);

    const landing = await browser.submit(brandPage, {}, '/not-you');
    expect(stepOf(landing)).toBe('landing');
    expect(textOf(landing.html)).not.toContain(message('en', 'journey:not_you'));
    // The browser's login session ended: the same journey, reloaded, still starts at the landing.
    expect(stepOf(await browser.follow(`${interactionBase(landing)}/`))).toBe('landing');

    let page = await proveNewEmail(browser, await browser.follow(`${interactionBase(landing)}/account`), {
      email: 'other@example.com',
    });
    page = await browser.submit(page, { brand: 'bmw' });
    page = await browser.submit(page, { vin: bmwVin });
    expect(stepOf(page)).toBe('permissions');
    const done = await browser.submit(page, { decision: 'allow' });
    const tokens = await redeem(config, done.url, request);
    const other = await keyturn.repositories.accounts.findByEmail('other@example.com');
    expect(tokens.claims()?.sub).toBe(other?.id);
  });

  it('GET /auth › an owner signed in with a password in this journey is not asked "Not you?"', async () => {
    const { account } = await keyturn.repositories.accounts.findOrCreate({
      email: 'signed-in@example.com',
      country: 'DE',
      locale: 'en',
    });
    await keyturn.repositories.accounts.setPassword(
      account.id,
      await keyturn.passwords.hash('a long passphrase'),
    );
    const { browser, landing } = await journey();
    const brand = await browser.submit(landing, {
      email: 'signed-in@example.com',
      password: 'a long passphrase',
    });
    expect(stepOf(brand)).toBe('brand');
    expect(brand.html).not.toContain('form="not-you"');
  });

  async function vinStep(browser: HttpBrowser, brand: string): Promise<Page> {
    const { landing } = await journey({}, browser);
    const page = await proveNewEmail(browser, await browser.follow(`${interactionBase(landing)}/account`), {
      email: nextEmail(),
    });
    return browser.submit(page, { brand });
  }

  it.each([
    ['bmw', miniVin, 'mini', 'MINI', 'BMW'],
    ['mini', bmwVin, 'bmw', 'BMW', 'MINI'],
  ])(
    'POST /interaction/:uid/vin › a %s journey with the VIN %s offers "Continue as" the brand of its maker code and keeps the VIN',
    async (chosen, vin, other, otherName, chosenName) => {
      const browser = newBrowser();
      const vinPage = await vinStep(browser, chosen);
      const offered = await browser.submit(vinPage, { vin });
      expect(offered.status).toBe(400);
      expect(textOf(offered.html)).toContain(
        message('en', 'domain:vinProblems.wrong_brand', { brand: chosenName }),
      );
      expect(textOf(offered.html)).toContain(message('en', 'journey:vin.looks_like', { brand: otherName }));
      expect(offered.html).toContain(`name="switch_brand" value="${other}"`);
      expect(textOf(offered.html)).toContain(message('en', 'journey:vin.continue_as', { brand: otherName }));

      const permissions = await browser.submit(offered, { vin, switch_brand: other });
      expect(stepOf(permissions)).toBe('permissions');
      expect(permissions.html).toContain(`<dd>${otherName}</dd>`);
      expect(textOf(permissions.html)).toContain(vin);
    },
  );

  it('GET /demo/privacy and /demo/terms › the demo app registers its own privacy policy and terms, and the journey links them', async () => {
    const demo = await keyturn.repositories.apps.find(demoClientId);
    expect(demo?.privacyUrl).toBe(`${keyturn.url}/demo/privacy`);
    expect(demo?.termsUrl).toBe(`${keyturn.url}/demo/terms`);
    for (const [path, key] of [
      ['/demo/privacy', 'demo:legal.privacy_title'],
      ['/demo/terms', 'demo:legal.terms_title'],
    ] as const) {
      const page = await newBrowser('de').follow(`${keyturn.url}${path}`);
      expect(page.status).toBe(200);
      expect(textOf(page.html)).toContain(message('de', key));
    }
    const browser = newBrowser();
    const landing = await browser.follow(`${keyturn.url}/demo/connect`);
    expect(stepOf(landing)).toBe('landing');
    const requester = requesterOf(landing);
    expect(requester).toContain(`href="${keyturn.url}/demo/privacy"`);
    expect(requester).toContain(`href="${keyturn.url}/demo/terms"`);
  });

  it('POST /interaction/:uid/vin › a brand switch the VIN does not name is refused with a clear message', async () => {
    const browser = newBrowser();
    const vinPage = await vinStep(browser, 'bmw');
    const refused = await browser.submit(vinPage, { vin: miniVin, switch_brand: 'mercedes-benz' });
    expect(refused.status).toBe(400);
    expect(textOf(refused.html)).toContain(message('en', 'journey:errors.brand_switch_invalid'));
    expect(stepOf(await browser.follow(`${interactionBase(vinPage)}/`))).toBe('vin');
  });
});
