// One owner's journey through nginx over https, as the app (openid-client, PKCE) and the owner's browser
// see it. The authorization request is pinned to instance a, the account step to instance b (the
// interaction, its cookies and its CSRF token, made on a, must hold on b); every later request goes round
// robin. Each request is recorded with the instance nginx says served it.
import { randomBytes } from 'node:crypto';
import * as oauth from 'openid-client';
import { benchRedirectUri, type ClientCredentials } from '../bench/flows.ts';
import { HttpBrowser, type Page } from '../support/http-browser.ts';
import { interactionBase, stepOf } from '../support/journey-page.ts';

export type InstanceName = 'a' | 'b';
export const pinHeader = 'x-scale-out-pin';
export const upstreamHeader = 'x-scale-out-upstream';

export interface ServedRequest {
  method: string;
  path: string;
  pinned: InstanceName | undefined;
  servedBy: InstanceName | 'unknown';
  status: number;
}

export interface JourneyResult {
  vin: string;
  email: string;
  tokens: oauth.TokenEndpointResponse;
  requests: ServedRequest[];
}

/** Tells which instance an `X-Scale-Out-Upstream` value (`127.0.0.1:port`) names. */
export type InstanceOf = (upstream: string | null) => InstanceName | 'unknown';

/** The owner's browser: sends the pin, if any, and records who served each request. */
class RecordingBrowser extends HttpBrowser {
  pin: InstanceName | undefined;

  constructor(
    private readonly instanceOf: InstanceOf,
    private readonly served: ServedRequest[],
  ) {
    super((url) => url.href.startsWith(benchRedirectUri));
  }

  override async request(url: string, init: Parameters<HttpBrowser['request']>[1] = {}): Promise<Page> {
    this.extraHeaders = this.pin ? { [pinHeader]: this.pin } : {};
    const page = await super.request(url, init);
    this.served.push({
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      path: new URL(url).pathname,
      pinned: this.pin,
      servedBy: this.instanceOf(page.headers.get(upstreamHeader)),
      status: page.status,
    });
    return page;
  }
}

function expectStep(page: Page, step: string | undefined, what: string): Page {
  if (page.status >= 400) throw new Error(`${what}: HTTP ${page.status} at ${page.url}`);
  if (step && stepOf(page) !== step)
    throw new Error(`${what}: expected the ${step} step, got ${stepOf(page) ?? page.url}`);
  return page;
}

/** A BMW VIN of this run only (never ending in six zeros, which the simulator treats as unknown). */
export const runVin = () =>
  `WBA${Array.from(randomBytes(14), (byte) => 'ABCDEFGHJKLMNPRSTUVWXYZ123456789'[byte % 32]).join('')}`;

export async function walkJourney(input: {
  issuer: string;
  app: ClientCredentials;
  instanceOf: InstanceOf;
  readCode: (email: string) => Promise<string>;
}): Promise<JourneyResult> {
  const requests: ServedRequest[] = [];
  // The app's own requests (discovery, the token request) go round robin too, and are recorded.
  const recordingFetch: oauth.CustomFetch = async (url, options) => {
    const response = await fetch(url, options as RequestInit);
    requests.push({
      method: options.method,
      path: new URL(url).pathname,
      pinned: undefined,
      servedBy: input.instanceOf(response.headers.get(upstreamHeader)),
      status: response.status,
    });
    return response;
  };
  const config = await oauth.discovery(
    new URL(input.issuer),
    input.app.clientId,
    undefined,
    oauth.ClientSecretBasic(input.app.clientSecret),
    { [oauth.customFetch]: recordingFetch },
  );
  config[oauth.customFetch] = recordingFetch;
  const verifier = oauth.randomPKCECodeVerifier();
  const state = oauth.randomState();
  const authorizationUrl = oauth.buildAuthorizationUrl(config, {
    redirect_uri: benchRedirectUri,
    scope: 'location mileage',
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });

  const browser = new RecordingBrowser(input.instanceOf, requests);
  const email = `owner-${randomBytes(4).toString('hex')}@scale-out.example`;
  const vin = runVin();

  browser.pin = 'a';
  const landing = expectStep(await browser.follow(authorizationUrl.href), 'landing', 'authorization on a');
  browser.pin = 'b';
  let page = expectStep(
    await browser.follow(`${interactionBase(landing)}/account`),
    undefined,
    'account on b',
  );
  page = expectStep(
    await browser.submit(page, { email, country: 'DE', accept_terms: 'yes' }, '/account'),
    'verify',
    'account submitted on b',
  );
  browser.pin = undefined;
  const code = await input.readCode(email);
  page = expectStep(await browser.submit(page, { code }, '/verify'), undefined, 'email code');
  if (stepOf(page) === 'brand')
    page = expectStep(await browser.submit(page, { brand: 'bmw' }, '/brand'), undefined, 'brand');
  expectStep(page, 'vin', 'after the email code');
  page = expectStep(await browser.submit(page, { vin }, '/vin'), 'permissions', 'VIN');
  page = await browser.submit(page, { decision: 'allow' }, '/permissions');
  if (!page.url.startsWith(benchRedirectUri))
    throw new Error(`no redirect to the app after permissions: HTTP ${page.status} at ${page.url}`);

  const tokens = await oauth.authorizationCodeGrant(config, new URL(page.url), {
    pkceCodeVerifier: verifier,
    expectedState: state,
  });
  return { vin, email, tokens, requests };
}
