// What Keyturn's logs never hold: a whole owner's journey is walked against a real Keyturn logging at debug
// (new owner with an email code, brand, a wrong VIN then the right one, consent, the code exchange with
// PKCE, the set-password link, a sign-in and a failed one, the maker's approval callback, introspection, a
// webhook delivered to a real receiver, a 404, a forgotten password), every secret and every piece of the
// owner's personal data the test saw is collected, and none of them may appear anywhere in the log text.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { createLogger } from '../../src/logger.ts';
import { decodeEntities, type HttpBrowser, type Page } from '../support/http-browser.ts';
import {
  bmwVin,
  codeMailedTo,
  interactionBase,
  mailsTo,
  miniVin,
  newBrowser,
  passwordLinkFor,
  proveNewEmail,
  stepOf,
} from '../support/journey.ts';
import {
  type RunningKeyturn,
  registerTestApp,
  registerTestConsumer,
  startKeyturn,
} from '../support/keyturn.ts';
import {
  authorizationOf,
  introspect,
  startWebhookReceiver,
  until,
  type WebhookReceiver,
} from '../support/relay.ts';
import { authorizationRequest, discover, redeem } from '../support/relying-party.ts';

/** A log destination that keeps every line it is given. */
function logCapture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => lines.join('') };
}

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

const parsed = (text: string): LogLine[] =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LogLine);

/**
 * Cookies that are no secret: the language, and the interaction's id, which is in every journey URL and opens
 * nothing without its signature cookie (`.sig`, collected like the session cookie).
 */
const publicCookies = new Set(['keyturn.lang', '_interaction', '_interaction_resume']);

/** Secrets and personal data the test has seen, by what they are, to look for in the log. */
class Seen {
  readonly values = new Map<string, string>();

  add(what: string, value: string | undefined | null) {
    if (value) this.values.set(`${what} #${this.values.size}`, value);
  }

  /** The CSRF tokens in a page's forms and the cookies the browser holds for it. */
  page(browser: HttpBrowser, page: Page) {
    for (const match of page.html.matchAll(/name="csrf" value="([^"]+)"/g))
      this.add('CSRF token', decodeEntities(match[1] ?? ''));
    for (const url of [page.url, new URL('/', page.url).href, new URL('/account', page.url).href])
      for (const cookie of browser.cookiesFor(url).split('; ').filter(Boolean)) {
        const name = cookie.slice(0, cookie.indexOf('='));
        if (!publicCookies.has(name)) this.add(`cookie ${name}`, cookie.slice(name.length + 1));
      }
    return page;
  }

  /** Which of them occur in `log` (VINs in any case, as a log might upper- or lowercase them). */
  foundIn(log: string): string[] {
    return [...this.values]
      .filter(([what, value]) =>
        what.startsWith('VIN') ? log.toLowerCase().includes(value.toLowerCase()) : log.includes(value),
      )
      .map(([what]) => what);
  }
}

describe('logs › no secrets and no personal data', () => {
  const capture = logCapture();
  let keyturn: RunningKeyturn;
  let receiver: WebhookReceiver;
  let app: RegisteredApp;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    keyturn = await startKeyturn({ LOG_LEVEL: 'debug' }, undefined, { logDestination: capture.stream });
    app = await registerTestApp(keyturn, { webhookUrl: receiver.url });
  });
  afterAll(async () => {
    await keyturn?.close();
    await receiver?.close();
  });

  it('a whole owner’s journey logs its requests, outcomes and ids but no token, code, secret, link, cookie, email address or VIN', async () => {
    const seen = new Seen();
    const email = `log.privacy+${Date.now().toString(36)}@example.com`;
    const password = 'plum sofa radiator 42';
    const wrongPassword = 'plum sofa radiator 24';
    seen.add('email', email);
    seen.add('email, URL-encoded', encodeURIComponent(email));
    seen.add('email, form-encoded', new URLSearchParams({ email }).toString().slice('email='.length));
    seen.add('email, local part', email.split('@')[0]);
    seen.add('VIN', bmwVin);
    seen.add('VIN (refused)', miniVin);
    seen.add('password', password);
    seen.add('wrong password', wrongPassword);
    seen.add('client secret', app.client_secret);
    seen.add('app webhook secret', app.webhook_secret);
    const maker = keyturn.connectors.simulated.bmw;
    seen.add('maker webhook secret', maker?.webhookSecret);
    seen.add('maker API key', maker?.apiKey);

    // The consent journey: landing, account with the email code, brand, a refused VIN, the VIN, consent.
    const config = await discover(keyturn.url, app);
    const request = await authorizationRequest(config);
    seen.add('code_verifier', request.verifier);
    seen.add('state', request.state);
    const browser = newBrowser();
    const landing = seen.page(browser, await browser.follow(request.url));
    expect(stepOf(landing)).toBe('landing');
    const account = seen.page(browser, await browser.follow(`${interactionBase(landing)}/account`));
    let page = await proveNewEmail(browser, account, {
      email,
      readCode: async (to) => {
        const code = await codeMailedTo(keyturn.url, to);
        seen.add('email code', code);
        return code;
      },
    });
    seen.page(browser, page);
    if (stepOf(page) === 'brand') page = seen.page(browser, await browser.submit(page, { brand: 'bmw' }));
    expect(stepOf(page)).toBe('vin');
    const refused = seen.page(browser, await browser.submit(page, { vin: miniVin }));
    expect(refused.status).toBe(400);
    page = seen.page(browser, await browser.submit(refused, { vin: bmwVin }));
    expect(stepOf(page)).toBe('permissions');
    const done = await browser.submit(page, { decision: 'allow' });

    // The app's code exchange with PKCE, and its own view of the token.
    seen.add('authorization code', new URL(done.url).searchParams.get('code'));
    const tokens = await redeem(config, done.url, request);
    seen.add('access token', tokens.access_token);
    seen.add('refresh token', tokens.refresh_token);
    seen.add('ID token', tokens.id_token);
    expect((await authorizationOf(keyturn.url, tokens.access_token)).status).toBe('pending');

    // The worker asks the maker (the simulator in this Keyturn) and mails the owner the set-password link.
    await keyturn.worker.drain();
    const setPasswordLink = await passwordLinkFor(keyturn.url, email);
    seen.add('set-password link token', new URL(setPasswordLink).searchParams.get('token'));
    const linkBrowser = newBrowser();
    const form = seen.page(linkBrowser, await linkBrowser.follow(setPasswordLink));
    expect(form.status).toBe(200);
    expect((await linkBrowser.submit(form, { password })).status).toBe(200);

    // The owner signs in to the dashboard; someone else fails with a wrong password.
    const owner = newBrowser();
    const signInForm = seen.page(owner, await owner.follow(`${keyturn.url}/account/sign-in`));
    const dashboard = seen.page(owner, await owner.submit(signInForm, { email, password }));
    expect(dashboard.url).toBe(`${keyturn.url}/account`);
    const stranger = newBrowser();
    const strangerForm = seen.page(stranger, await stranger.follow(`${keyturn.url}/account/sign-in`));
    const failed = seen.page(
      stranger,
      await stranger.submit(strangerForm, { email, password: wrongPassword }),
    );
    expect(failed.url).not.toBe(`${keyturn.url}/account`);

    // The owner approves in the maker's portal; the maker's signed callback reaches Keyturn.
    const portalLink = (await mailsTo(keyturn.url, email))
      .flatMap((mail) => mail.links)
      .find((href) => href.includes('/portal/'));
    expect(portalLink).toBeDefined();
    const portalBrowser = newBrowser();
    const portal = seen.page(portalBrowser, await portalBrowser.follow(portalLink as string));
    await portalBrowser.submit(portal, { decision: 'approve' });
    await until(async () => {
      const { status } = await authorizationOf(keyturn.url, tokens.access_token);
      return status === 'approved' ? status : undefined;
    }, 'the approval');

    // A data consumer introspects the token; the app receives the signed webhook.
    const consumer = await registerTestConsumer(keyturn);
    seen.add('consumer client secret', consumer.client_secret);
    expect(await introspect(keyturn.url, consumer, tokens.access_token)).toMatchObject({
      active: true,
      authorization_status: 'approved',
    });
    const webhook = await until(async () => {
      await keyturn.worker.drain();
      return receiver.received.find((received) => received.body.includes('"approved"'));
    }, 'the approved webhook');
    for (const signature of String(webhook.headers['webhook-signature']).split(' ')) {
      seen.add('webhook signature', signature);
      seen.add('webhook signature value', signature.split(',')[1]);
    }

    // Requests that fail: an unknown page whose path and query name the owner, a bad introspection.
    const notFound = await fetch(
      `${keyturn.url}/no/such/page/${encodeURIComponent(email)}/${bmwVin}?email=${encodeURIComponent(email)}&vin=${bmwVin}`,
    );
    expect(notFound.status).toBe(404);
    const badIntrospection = await fetch(`${keyturn.url}/token/introspection`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${consumer.client_id}:${wrongPassword}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: tokens.access_token }).toString(),
    });
    expect(badIntrospection.status).toBe(401);

    // The owner forgets the password and is mailed a reset link.
    const forgot = newBrowser();
    const forgotForm = seen.page(forgot, await forgot.follow(`${keyturn.url}/account/password/forgot`));
    expect((await forgot.submit(forgotForm, { email })).status).toBe(200);
    await keyturn.worker.drain();
    const links = (await mailsTo(keyturn.url, email)).flatMap((mail) => mail.links);
    for (const link of links) seen.add('mailed link token', new URL(link).searchParams.get('token'));
    expect(links.filter((link) => link.includes('/account/password?token=')).length).toBeGreaterThan(1);

    const log = capture.text();
    const lines = parsed(log);
    expect(lines.length).toBeGreaterThan(20);
    expect(seen.foundIn(log)).toEqual([]);

    // Still useful to an operator: each request with its route, status and query parameter names.
    const requests = lines.filter((line) => line.msg === 'request');
    expect(requests).toContainEqual(
      expect.objectContaining({ method: 'POST', path: '/account/sign-in', status: 303 }),
    );
    expect(requests).toContainEqual(expect.objectContaining({ method: 'POST', path: '/token', status: 200 }));
    expect(requests).toContainEqual(
      expect.objectContaining({ method: 'POST', path: '/token/introspection', status: 401 }),
    );
    expect(requests).toContainEqual(
      expect.objectContaining({
        method: 'GET',
        path: '/account/password',
        query: expect.stringMatching(/^token(&|$)/),
        status: 200,
      }),
    );
    const authorization = requests.find((line) => line.path === '/auth');
    expect(authorization?.query).toContain(`client_id=${app.client_id}`);
    expect(authorization?.query).toContain('code_challenge');
    expect(requests).toContainEqual(
      expect.objectContaining({
        method: 'GET',
        path: '/no/such/page/[email]/[vin]',
        query: 'email&vin',
        status: 404,
      }),
    );
    expect(requests.some((line) => line.method === 'POST' && line.path === '/callbacks/bmw')).toBe(true);
    const vinStep = `${new URL(interactionBase(landing)).pathname}/vin`;
    expect(requests).toContainEqual(expect.objectContaining({ method: 'POST', path: vinStep, status: 400 }));
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'request refused',
        code: 'not_found',
        path: '/no/such/page/[email]/[vin]',
      }),
    );
  });

  it('an error whose text names an owner is logged with its type and message, without the address, VIN or URL query', () => {
    const errors = logCapture();
    const logger = createLogger('debug', errors.stream);
    const failure = Object.assign(
      new Error(
        `550 <owner@example.com> rejected; ${bmwVin} at https://user:pw@hooks.example.com/in?key=k3y`,
      ),
      { code: 'EENVELOPE', rejected: ['owner@example.com'] },
    );
    logger.error({ err: failure, path: `/vehicles/${bmwVin}` }, 'mail failed');
    logger.warn(
      { error: 'webhook to https://hooks.example.com/in?key=k3y failed' },
      'job failed; will retry',
    );

    const [mailFailed, jobFailed] = parsed(errors.text());
    expect(mailFailed).toMatchObject({
      msg: 'mail failed',
      path: '/vehicles/[vin]',
      err: {
        type: 'Error',
        code: 'EENVELOPE',
        message: '550 <[email]> rejected; [vin] at https://hooks.example.com/in?key',
        rejected: ['[email]'],
      },
    });
    expect(jobFailed).toMatchObject({ error: 'webhook to https://hooks.example.com/in?key failed' });
    expect(errors.text()).not.toMatch(/owner@example\.com|k3y|user:pw/);
  });
});
