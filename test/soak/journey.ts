// One owner's walk through Keyturn's journey in a browser of its own, up to the app's redirect with an
// authorization code: landing → account → the code mailed to the owner → brand → VIN → permissions. A page
// that fails to load (a GET answered 5xx, or no answer) is reloaded, at most twice, as a person would; a
// form whose submission fails, or any other error page, ends the walk as a RequestFailure.
import { randomBytes } from 'node:crypto';
import { benchRedirectUri, type ClientCredentials, pkcePair } from '../bench/flows.ts';
import { HttpBrowser, type Page } from '../support/http-browser.ts';
import { interactionBase, stepOf } from '../support/journey-page.ts';
import { type Instance, networkFailure, retryAfterMs } from './clients.ts';
import { RequestFailure } from './ledger.ts';

export interface Owner {
  email: string;
  vin: string;
}

/** A BMW VIN (WMI `WBA`) no other journey of any run uses; never ending in six zeros (an unknown VIN). */
export function uniqueVin(run: string, n: number): string {
  const alphabet = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
  let serial = '';
  for (let rest = n; serial.length < 6; rest = Math.floor(rest / alphabet.length))
    serial = alphabet[rest % alphabet.length] + serial;
  return `WBA${run}${serial}`.slice(0, 17).padEnd(17, 'X');
}

/** Eight characters of the VIN alphabet that tell one run's VINs from another's. */
export const runTag = () =>
  Array.from(randomBytes(8), (byte) => 'ABCDEFGHJKLMNPRSTUVWXYZ'[byte % 23]).join('');

const maxReloads = 2;

/** A URL's path with the interaction's uid left out, for failure reports. */
const pathOf = (url: string) => new URL(url).pathname.replace(/(interaction|auth)\/[^/]+/, '$1/…');

/**
 * Keeps when and where the request under way started, so a failure can be placed in time, and reloads a
 * page that failed to load; each failed load is reported to `reloaded` first.
 */
class OwnersBrowser extends HttpBrowser {
  current: { url: string; startedAt: number } | undefined;

  constructor(
    private readonly instance: Instance,
    private readonly reloaded: (failure: RequestFailure) => void,
  ) {
    super((url) => url.href.startsWith(benchRedirectUri));
  }

  override async request(url: string, init: Parameters<HttpBrowser['request']>[1] = {}): Promise<Page> {
    const isGet = (init.method ?? (init.form ? 'POST' : 'GET')) === 'GET';
    for (let reload = 0; ; reload++) {
      const startedAt = Date.now();
      this.current = { url, startedAt };
      let failure: string;
      let retryAfter: number | undefined;
      try {
        const page = await super.request(url, init);
        if (!isGet || page.status < 500 || reload === maxReloads) return page;
        failure = `HTTP ${page.status}`;
        retryAfter = retryAfterMs(page.headers);
      } catch (error) {
        if (!isGet || reload === maxReloads) throw error;
        failure = networkFailure(error);
      }
      this.reloaded(
        new RequestFailure('journey', this.instance.name, startedAt, `${failure} (${pathOf(url)}), reloaded`),
      );
      await new Promise((resolve) => setTimeout(resolve, retryAfter ?? 500));
    }
  }
}

function authorizationUrl(instance: Instance, clientId: string, challenge: string): string {
  const url = new URL('/auth', instance.url);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: benchRedirectUri,
    scope: 'location mileage',
    state: randomBytes(8).toString('hex'),
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  return url.href;
}

/** Walks the journey; resolves with the authorization code and the PKCE verifier that redeems it. */
export async function walkJourney(
  instance: Instance,
  app: ClientCredentials,
  owner: Owner,
  readCode: (email: string) => Promise<string>,
  reloaded: (failure: RequestFailure) => void,
): Promise<{ code: string; verifier: string }> {
  const browser = new OwnersBrowser(instance, reloaded);
  const fail = (what: string, retryAfter?: number) =>
    new RequestFailure(
      'journey',
      instance.name,
      browser.current?.startedAt ?? Date.now(),
      `${what} (${pathOf(browser.current?.url ?? instance.url)})`,
      retryAfter,
    );
  const rendered = (page: Page, step?: string): Page => {
    if (page.status >= 400) throw fail(`HTTP ${page.status}`, retryAfterMs(page.headers));
    if (step && stepOf(page) !== step) throw fail(`expected step ${step}, got ${stepOf(page) ?? page.url}`);
    return page;
  };
  try {
    const { verifier, challenge } = pkcePair();
    const landing = rendered(
      await browser.follow(authorizationUrl(instance, app.clientId, challenge)),
      'landing',
    );
    let page = rendered(await browser.follow(`${interactionBase(landing)}/account`));
    page = rendered(
      await browser.submit(page, { email: owner.email, country: 'DE', accept_terms: 'yes' }, '/account'),
      'verify',
    );
    const mailed = Date.now();
    const code = await readCode(owner.email).catch(() => {
      throw new RequestFailure('journey', instance.name, mailed, 'the one-time code mail never arrived');
    });
    page = rendered(await browser.submit(page, { code }, '/verify'));
    if (stepOf(page) === 'brand') page = rendered(await browser.submit(page, { brand: 'bmw' }, '/brand'));
    rendered(page, 'vin');
    page = rendered(await browser.submit(page, { vin: owner.vin }, '/vin'), 'permissions');
    page = rendered(await browser.submit(page, { decision: 'allow' }, '/permissions'));
    const redirect = new URL(page.url);
    const authorizationCode = redirect.searchParams.get('code');
    if (!page.url.startsWith(benchRedirectUri) || !authorizationCode)
      throw fail(`no authorization code at the redirect: ${redirect.search.slice(0, 120)}`);
    return { code: authorizationCode, verifier };
  } catch (error) {
    if (error instanceof RequestFailure) throw error;
    throw fail(networkFailure(error));
  }
}
