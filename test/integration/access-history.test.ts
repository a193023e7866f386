// The owner's access history (GET /account/access/:clearanceId/history), walked through real journeys, the
// maker's signed callbacks, vehicle events forwarded to the app (and charged on the usage ledger) and a
// revocation on the dashboard, in English and German, on both database engines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { decodeEntities, type HttpBrowser, type Page, textOf } from '../support/http-browser.ts';
import { newBrowser, passwordLinkFor, walkAsNewOwner } from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp } from '../support/keyturn.ts';
import { message, type TestLocale } from '../support/locales.ts';
import { callbackBody, newWebhookId, postSignedCallback } from '../support/maker-callbacks.ts';
import {
  clearanceOfToken,
  type OemWorld,
  startKeyturnWithOem,
  startOemWorld,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../support/relay.ts';
import { authorizationRequest, discover, redeem } from '../support/relying-party.ts';

const password = 'a long and secret passphrase';

describe('owner access history', () => {
  let world: OemWorld;
  let keyturn: RunningKeyturn;
  let receiver: WebhookReceiver;
  let app: RegisteredApp;

  beforeAll(async () => {
    world = await startOemWorld();
    keyturn = await startKeyturnWithOem(world);
    receiver = await startWebhookReceiver();
    app = await registerTestApp(keyturn, {
      webhookUrl: receiver.url,
      eventTypes: ['vehicle_location_changed'],
    });
  });
  afterAll(async () => {
    await keyturn?.close();
    await receiver?.close();
    await world?.simulator.close();
  });

  /** A new owner consents in the journey (the maker is asked) and sets a password from the mailed link. */
  async function ownerWithConsent(email: string, vin: string) {
    const config = await discover(keyturn.url, app);
    const request = await authorizationRequest(config);
    const done = await walkAsNewOwner(newBrowser(), request.url, { email, vin });
    const tokens = await redeem(config, done.url, request);
    await keyturn.worker.drain();
    const browser = newBrowser();
    await browser.submit(await browser.follow(await passwordLinkFor(keyturn.url, email)), { password });
    return { clearance: await clearanceOfToken(keyturn, tokens.access_token), email };
  }

  async function signedIn(email: string, locale: TestLocale = 'en'): Promise<HttpBrowser> {
    const browser = newBrowser(locale);
    const page = await browser.submit(await browser.follow(`${keyturn.url}/account`), { email, password });
    expect(page.status).toBe(200);
    return browser;
  }

  const historyOf = (browser: HttpBrowser, clearanceId: string) =>
    browser.follow(`${keyturn.url}/account/access/${clearanceId}/history`);

  /** The sentences of the history's ordered list, newest first, each with its `<time datetime>`. */
  function entriesOf(page: Page) {
    const list = /<ol[^>]*>([\s\S]*?)<\/ol>/.exec(page.html)?.[1] ?? '';
    return [...list.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((item) => {
      const html = item[1] ?? '';
      return {
        datetime: /<time datetime="([^"]+)">/.exec(html)?.[1],
        text: textOf(html).trim(),
      };
    });
  }

  const sentence = (locale: TestLocale, key: string, values: Record<string, string | number> = {}) =>
    message(
      locale,
      `access_history:entry.${key}`,
      Object.fromEntries(Object.entries(values).map(([name, value]) => [name, String(value)])),
    );

  const bmwSecret = () => world.secrets.bmw?.webhookSecret ?? '';
  const makerSays = (body: string, id = newWebhookId()) =>
    postSignedCallback({ issuer: keyturn.url, provider: 'bmw', secret: bmwSecret(), body, id });

  async function approveAtMaker(clearance: { id: string; vin: string }) {
    const answer = await makerSays(callbackBody('authorization_changed', clearance, { status: 'approved' }));
    expect(answer.status).toBe(200);
  }

  /** Sends a position from the vehicle; resolves to the provider-scoped id the ledger charged it under. */
  async function position(clearance: { id: string; vin: string }): Promise<string> {
    const id = newWebhookId();
    const answer = await makerSays(
      callbackBody('vehicle_location_changed', clearance, { latitude: 48.1, longitude: 11.5 }),
      id,
    );
    expect(await answer.json()).toMatchObject({ forwarded: true });
    return `bmw:${id}`;
  }

  const monthNow = (locale: TestLocale) =>
    new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date());

  async function journeyConsentSentence(locale: TestLocale, clearanceId: string) {
    const consent = (await keyturn.repositories.consentRecords.listForClearance(clearanceId)).find(
      (record) => record.kind === 'consent',
    );
    if (!consent) throw new Error('no consent recorded');
    return sentence(locale, 'consent_journey', {
      app: 'Service X',
      brand: 'BMW',
      receipt: consent.id,
      dataPoints: new Intl.ListFormat(locale, { type: 'conjunction' }).format(
        consent.dataPoints.map((id) => message(locale, `domain:dataPoints.${id}.label`)),
      ),
    });
  }

  it('GET /account/access/:id/history › tells the consent, the approval, the data, the monthly count from the ledger and the revocation, newest first', async () => {
    const vin = 'WBA8E9G50GNT60001';
    const { clearance, email } = await ownerWithConsent('history@example.com', vin);
    const browser = await signedIn(email);
    const consented = await journeyConsentSentence('en', clearance.id);
    const asked = sentence('en', 'asked_maker', { brand: 'BMW' });

    let page = await historyOf(browser, clearance.id);
    expect(page.status).toBe(200);
    const text = textOf(page.html);
    expect(text).toContain(message('en', 'access_history:heading', { app: 'Service X', brand: 'BMW' }));
    expect(text).toContain(vin);
    expect(text).toContain(message('en', 'account:dashboard.state.waiting', { brand: 'BMW' }));
    expect(entriesOf(page).map((entry) => entry.text)).toEqual([
      expect.stringContaining(asked),
      expect.stringContaining(consented),
    ]);
    for (const entry of entriesOf(page))
      expect(entry.datetime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(page.html).toMatch(/<a[^>]*href="\/account"[^>]*>/);

    await approveAtMaker(clearance);
    const charged = [await position(clearance), await position(clearance)];
    page = await historyOf(browser, clearance.id);
    const forwardedTwo = sentence('en', 'forwarded_other', {
      count: 2,
      app: 'Service X',
      month: monthNow('en'),
    });
    expect(entriesOf(page).map((entry) => entry.text)).toEqual([
      expect.stringContaining(forwardedTwo),
      expect.stringContaining(sentence('en', 'first_data')),
      expect.stringContaining(sentence('en', 'approved', { brand: 'BMW' })),
      expect.stringContaining(asked),
      expect.stringContaining(consented),
    ]);
    expect(textOf(page.html)).toContain(message('en', 'account:dashboard.state.active'));

    // The count is the ledger's: a charge credited back (its delivery given up on) no longer counts.
    expect(
      await keyturn.repositories.usageLedger.creditUndelivered(charged[0] as string, app.client_id),
    ).toBe(true);
    page = await historyOf(browser, clearance.id);
    expect(entriesOf(page)[0]?.text).toContain(
      sentence('en', 'forwarded_one', { count: 1, app: 'Service X', month: monthNow('en') }),
    );

    // Revoking on the dashboard (confirmation page, then its form) ends the access: the newest entry says so.
    const confirmation = await browser.follow(`${keyturn.url}/account/access/${clearance.id}/revoke`);
    const revoked = await browser.submit(confirmation, {}, `/account/access/${clearance.id}/revoke`);
    expect(revoked.status).toBe(200);
    page = await historyOf(browser, clearance.id);
    const entries = entriesOf(page);
    expect(entries[0]?.text).toContain(sentence('en', 'revoked_in_keyturn'));
    expect(entries.filter((entry) => entry.text.includes(sentence('en', 'revoked_in_keyturn')))).toHaveLength(
      1,
    );
    expect(entries).toHaveLength(6);
    expect(textOf(page.html)).toContain(message('en', 'account:dashboard.state.ended'));
  });

  it('GET /account › each access links to its history; the link’s accessible name starts with its label and names the VIN', async () => {
    const vin = 'WBA8E9G50GNT60002';
    const { clearance, email } = await ownerWithConsent('history.link@example.com', vin);
    for (const locale of ['en', 'de'] as const) {
      const browser = await signedIn(email, locale);
      const dashboard = await browser.follow(`${keyturn.url}/account`);
      const link = new RegExp(
        `<a[^>]*href="(/account/access/${clearance.id}/history)"[^>]*>([^<]*)</a>`,
      ).exec(dashboard.html);
      expect(link).not.toBeNull();
      const label = decodeEntities(link?.[2] ?? '').trim();
      const accessibleName = decodeEntities(/aria-label="([^"]*)"/.exec(link?.[0] ?? '')?.[1] ?? '');
      expect(label).toBe(message(locale, 'access_history:link'));
      expect(accessibleName.startsWith(label)).toBe(true);
      expect(accessibleName).toContain(vin);
      const history = await browser.follow(new URL(link?.[1] ?? '', keyturn.url).href);
      expect(history.status).toBe(200);
      expect(entriesOf(history)).toHaveLength(2);
    }
  });

  it('GET /account/access/:id/history › speaks German to a German owner, months included', async () => {
    const { clearance, email } = await ownerWithConsent('verlauf@example.com', 'WBA8E9G50GNT60003');
    await approveAtMaker(clearance);
    // The second position arrives after the first one moved the clearance to connected, so the month's
    // entry (placed at its last event) is the newest.
    await position(clearance);
    await position(clearance);
    const page = await historyOf(await signedIn(email, 'de'), clearance.id);
    expect(page.status).toBe(200);
    expect(page.html).toContain('<html lang="de">');
    const text = textOf(page.html);
    expect(text).toContain(message('de', 'access_history:heading', { app: 'Service X', brand: 'BMW' }));
    expect(text).toContain(message('de', 'account:dashboard.state.active'));
    expect(entriesOf(page).map((entry) => entry.text)).toEqual([
      expect.stringContaining(
        sentence('de', 'forwarded_other', { count: 2, app: 'Service X', month: monthNow('de') }),
      ),
      expect.stringContaining(sentence('de', 'first_data')),
      expect.stringContaining(sentence('de', 'approved', { brand: 'BMW' })),
      expect.stringContaining(sentence('de', 'asked_maker', { brand: 'BMW' })),
      expect.stringContaining(await journeyConsentSentence('de', clearance.id)),
    ]);
    expect(text).not.toContain(sentence('en', 'first_data'));
  });

  it('GET /account/access/:id/history › another owner’s access or an unknown id is the 404 page', async () => {
    const victim = await ownerWithConsent('history.victim@example.com', 'WBA8E9G50GNT60004');
    const intruder = await ownerWithConsent('history.intruder@example.com', 'WBA8E9G50GNT60005');
    const browser = await signedIn(intruder.email);
    const other = await historyOf(browser, victim.clearance.id);
    expect(other.status).toBe(404);
    expect(other.html).not.toContain('WBA8E9G50GNT60004');
    expect(textOf(other.html)).not.toContain(sentence('en', 'asked_maker', { brand: 'BMW' }));
    expect((await historyOf(browser, 'no-such-clearance')).status).toBe(404);
    expect((await historyOf(browser, intruder.clearance.id)).status).toBe(200);
  });

  it('GET /account/access/:id/history › not signed in: sent to sign in, and back to the history afterwards', async () => {
    const { clearance, email } = await ownerWithConsent('history.later@example.com', 'WBA8E9G50GNT60006');
    const browser = newBrowser();
    const path = `/account/access/${clearance.id}/history`;
    const first = await browser.request(`${keyturn.url}${path}`);
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe(`/account/sign-in?next=${encodeURIComponent(path)}`);
    const signIn = await browser.follow(`${keyturn.url}${path}`);
    const back = await browser.submit(signIn, { email, password });
    expect(back.status).toBe(200);
    expect(new URL(back.url).pathname).toBe(path);
    expect(entriesOf(back)).toHaveLength(2);
  });
});
