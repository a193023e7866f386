// The demo app that `npm start` serves, walked as a newcomer would follow README's "Walk the demo": the
// demo app starts the journey with PKCE, exchanges the code with openid-client and shows the token's
// status; the maker's mail in the dev mailbox leads to its portal, and approving there turns the demo's
// status to approved; revoking in the owner's dashboard then ends the demo's token. Everything in one
// Keyturn, with the OEM simulator mounted in it, as on a laptop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpBrowser, textOf } from '../support/http-browser.ts';
import {
  bmwVin,
  interactionBase,
  mailsTo,
  newBrowser,
  passwordLinkFor,
  proveNewEmail,
  stepOf,
} from '../support/journey.ts';
import { type RunningKeyturn, startKeyturn } from '../support/keyturn.ts';
import { message } from '../support/locales.ts';
import { until } from '../support/relay.ts';

describe('the demo app of npm start', () => {
  let keyturn: RunningKeyturn;

  beforeAll(async () => {
    keyturn = await startKeyturn();
  });
  afterAll(() => keyturn.close());

  const resultPage = (browser: HttpBrowser) => browser.follow(`${keyturn.url}/demo/result`);

  it('connects a car in German: pending after the exchange, approved after the maker portal, dead after revoking', async () => {
    const browser = newBrowser('de');
    const email = 'demo.newcomer@example.com';
    // The demo's form with a brand chosen, so the journey skips the brand step.
    const landing = await browser.follow(`${keyturn.url}/demo/connect?locale=de&brand=bmw`);
    expect(stepOf(landing), landing.html.slice(0, 300)).toBe('landing');
    let page = await browser.follow(`${interactionBase(landing)}/account`);
    page = await proveNewEmail(browser, page, { email });
    expect(stepOf(page)).toBe('vin');
    page = await browser.submit(page, { vin: bmwVin });
    page = await browser.submit(page, { decision: 'allow' });

    expect(new URL(page.url).pathname).toBe('/demo/result');
    expect(page.status).toBe(200);
    const pending = textOf(page.html);
    expect(pending).toContain(message('de', 'domain:authorizationStatus.pending'));
    expect(pending).toContain(message('de', 'demo:result.pending_note'));
    // The brand by its name, not its id.
    expect(pending).toContain(
      `${message('de', 'demo:result.brand')} BMW ${message('de', 'demo:result.vin')} ${bmwVin}`,
    );

    await keyturn.worker.drain();
    const portal = (await mailsTo(keyturn.url, email))
      .flatMap((mail) => mail.links)
      .find((href) => href.includes('/portal/'));
    if (!portal) throw new Error(`no maker mail with a portal link for ${email}`);
    await browser.submit(await browser.follow(portal), { decision: 'approve' });

    const approved = await until(async () => {
      const result = await resultPage(browser);
      const text = textOf(result.html);
      return text.includes(message('de', 'domain:authorizationStatus.approved')) ? text : undefined;
    }, 'the approved status on the demo page');
    expect(approved).toContain(message('de', 'demo:result.approved_note'));

    // README's last step: set a password from Keyturn's mail, sign in, revoke; the demo's token is dead.
    const passphrase = 'a long and secret passphrase';
    await browser.submit(await browser.follow(await passwordLinkFor(keyturn.url, email)), {
      password: passphrase,
    });
    const dashboard = await browser.submit(await browser.follow(`${keyturn.url}/account`), {
      email,
      password: passphrase,
    });
    await browser.submit(dashboard, {}, '/revoke');
    const revoked = await resultPage(browser);
    expect(revoked.status).toBe(200);
    expect(textOf(revoked.html)).toContain(message('de', 'demo:result.token_rejected'));
    expect(textOf(revoked.html)).not.toContain(message('de', 'demo:result.error_intro'));
  });

  it('answers a forged callback with its localized error page, and no tokens', async () => {
    const browser = newBrowser('de');
    const page = await browser.request(`${keyturn.url}/demo/callback?code=forged&state=forged`);
    expect(page.status).toBe(400);
    expect(textOf(page.html)).toContain(message('de', 'demo:result.error_intro'));
    // No token cookie was set, so the result page sends the visitor back to the demo's start.
    const result = await browser.request(`${keyturn.url}/demo/result`);
    expect(result.status).toBe(302);
    expect(new URL(result.headers.get('location') ?? '', keyturn.url).pathname).toBe('/demo');
  });
});
