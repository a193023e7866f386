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
  page = await browser.submit(page, {
    email: owner.email,
    country: owner.country ?? 'DE',
    accept_terms: 'yes',
  });
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
