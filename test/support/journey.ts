// Walks the consent journey as an owner would, over real HTTP, from the app's authorization URL to the
// code at its redirect URI. Each step is exposed so negative tests can stop anywhere.
import { expect } from 'vitest';
import { HttpBrowser, type Page } from './http-browser.ts';
import { interactionBase, stepOf } from './journey-page.ts';
import { isRedirectUri } from './relying-party.ts';

export const bmwVin = 'WBA8E9G50GNT12345';
export const miniVin = 'WMWXR31020TL12345';

export function newBrowser(acceptLanguage = 'en'): HttpBrowser {
  const browser = new HttpBrowser(isRedirectUri);
  browser.acceptLanguage = acceptLanguage;
  return browser;
}

export { interactionBase, stepOf };

export interface NewOwner {
  email: string;
  country?: string;
  brand?: string;
  vin?: string;
  decision?: 'allow' | 'deny';
  /** Reads the one-time code mailed to the owner; by default from Keyturn's dev mailbox. */
  readCode?: (email: string) => Promise<string>;
}

/** The one-time code in the newest code mail Keyturn sent to `email` (from the dev mailbox). */
export async function codeMailedTo(keyturnUrl: string, email: string): Promise<string> {
  const mail = (await mailsTo(keyturnUrl, email)).find((m) => /^\d{6} /.test(m.subject));
  const code = mail && /^(\d{6}) /.exec(mail.subject)?.[1];
  if (!code) throw new Error(`no code mailed to ${email}`);
  return code;
}

/** From the account step: the address and country, then the code mailed to it. Ends after the proof. */
export async function proveNewEmail(
  browser: HttpBrowser,
  accountPage: Page,
  owner: Pick<NewOwner, 'email' | 'country' | 'readCode'>,
): Promise<Page> {
  const page = await browser.submit(accountPage, {
    email: owner.email,
    country: owner.country ?? 'DE',
    accept_terms: 'yes',
  });
  expect(stepOf(page), page.html.slice(0, 500)).toBe('verify');
  const readCode = owner.readCode ?? ((email) => codeMailedTo(new URL(accountPage.url).origin, email));
  return browser.submit(page, { code: await readCode(owner.email) });
}

/** From the landing page to the redirect back to the app, as a first-time owner. */
export async function walkAsNewOwner(
  browser: HttpBrowser,
  authorizationUrl: string,
  owner: NewOwner,
): Promise<Page> {
  const landing = await browser.follow(authorizationUrl);
  expect(stepOf(landing), landing.html.slice(0, 300)).toBe('landing');
  let page = await browser.follow(`${interactionBase(landing)}/account`);
  expect(stepOf(page)).toBe('account');
  page = await proveNewEmail(browser, page, owner);
  if (stepOf(page) === 'brand') page = await browser.submit(page, { brand: owner.brand ?? 'bmw' });
  expect(stepOf(page)).toBe('vin');
  page = await browser.submit(page, { vin: owner.vin ?? bmwVin });
  expect(stepOf(page)).toBe('permissions');
  return browser.submit(page, { decision: owner.decision ?? 'allow' });
}

export async function signIn(
  browser: HttpBrowser,
  authorizationUrl: string,
  email: string,
  password: string,
): Promise<Page> {
  const landing = await browser.follow(authorizationUrl);
  expect(stepOf(landing)).toBe('landing');
  return browser.submit(landing, { email, password });
}

export interface DevMail {
  to: string;
  subject: string;
  text: string;
  links: string[];
}

/** The mails Keyturn sent to `email`, newest first (from the dev mailbox). */
export async function mailsTo(keyturnUrl: string, email: string): Promise<DevMail[]> {
  const mails = (await (await fetch(`${keyturnUrl}/dev/mailbox.json`)).json()) as DevMail[];
  return mails.filter((mail) => mail.to === email);
}

/** The set-password link Keyturn mailed to `email` (from the dev mailbox); throws when there is none. */
export async function passwordLinkFor(keyturnUrl: string, email: string): Promise<string> {
  const link = (await mailsTo(keyturnUrl, email))
    .flatMap((mail) => mail.links)
    .find((href) => href.includes('/account/password?token='));
  if (!link) throw new Error(`no set-password link mailed to ${email}`);
  return link;
}
