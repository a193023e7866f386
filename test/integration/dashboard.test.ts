import * as oauth from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { decodeEntities, type HttpBrowser, textOf } from '../support/http-browser.ts';
import { newBrowser, passwordLinkFor, walkAsNewOwner } from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp, registerTestConsumer } from '../support/keyturn.ts';
import { message } from '../support/locales.ts';
import { introspect, type OemWorld, startKeyturnWithOem, startOemWorld } from '../support/relay.ts';
import { authorizationRequest, discover, redeem } from '../support/relying-party.ts';

describe('owner dashboard and revocation', () => {
  let world: OemWorld;
  let keyturn: RunningKeyturn;
  let app: RegisteredApp;

  beforeAll(async () => {
    world = await startOemWorld();
    keyturn = await startKeyturnWithOem(world);
    app = await registerTestApp(keyturn);
  });
  afterAll(async () => {
    await keyturn?.close();
    await world?.simulator.close();
  });

  async function connectedOwner(email: string, vin: string) {
    const config = await discover(keyturn.url, app);
    const request = await authorizationRequest(config);
    const done = await walkAsNewOwner(newBrowser(), request.url, { email, vin });
    const tokens = await redeem(config, done.url, request);
    await keyturn.worker.drain();
    const link = await passwordLinkFor(keyturn.url, email);
    const browser = newBrowser();
    await browser.submit(await browser.follow(link), { password: 'a long and secret passphrase' });
    const clearance = (await keyturn.repositories.clearances.findByGrantId(
      (
        await keyturn.authorizationServer.AccessToken.find(tokens.access_token)
      )?.grantId as string,
    ))!;
    return { config, tokens, browser, clearance };
  }

  const authorizationOf = (token: string) =>
    fetch(`${keyturn.url}/v1/authorization`, { headers: { authorization: `Bearer ${token}` } });

  const statusOf = async (clearanceId: string) =>
    (await keyturn.repositories.clearances.find(clearanceId))?.status;

  async function signedIn(browser: HttpBrowser, email: string) {
    return browser.submit(await browser.follow(`${keyturn.url}/account`), {
      email,
      password: 'a long and secret passphrase',
    });
  }

  /** The dashboard's revoke link for one clearance: its target, visible label and accessible name. */
  function revokeLinkOf(html: string, clearanceId: string) {
    const link = new RegExp(`<a[^>]*href="(/account/access/${clearanceId}/revoke)"[^>]*>([^<]*)</a>`).exec(
      html,
    );
    if (!link) throw new Error(`no revoke link for ${clearanceId}`);
    const label = decodeEntities(link[2] ?? '').trim();
    const ariaLabel = /aria-label="([^"]*)"/.exec(link[0])?.[1];
    return { href: link[1] as string, label, accessibleName: decodeEntities(ariaLabel ?? label) };
  }

  it('GET /account › each access shows one plain status, and the revoke link’s accessible name starts with its label in both languages', async () => {
    const vin = 'WBA8E9G50GNT11111';
    const { clearance } = await connectedOwner('plain@example.com', vin);
    for (const locale of ['en', 'de'] as const) {
      const browser = newBrowser(locale);
      const page = await signedIn(browser, 'plain@example.com');
      const text = textOf(page.html);
      expect(text).toContain(message(locale, 'account:dashboard.state.waiting', { brand: 'BMW' }));
      expect(text).not.toContain(message(locale, 'domain:authorizationStatus.pending'));
      expect(text).not.toContain(message(locale, 'domain:clearanceStatus.pending_validation'));
      const link = revokeLinkOf(page.html, clearance.id);
      expect(link.label).toBe(message(locale, 'account:dashboard.revoke'));
      expect(link.accessibleName.startsWith(link.label)).toBe(true);
      expect(link.accessibleName).toContain(vin);
    }
  });

  it('GET /account/access/:id/revoke › the confirmation names the app and the VIN; “Keep access” changes nothing', async () => {
    const vin = 'WBA8E9G50GNT88888';
    const { clearance, browser } = await connectedOwner('keep@example.com', vin);
    const dashboard = await signedIn(browser, 'keep@example.com');
    const confirmation = await browser.follow(
      new URL(revokeLinkOf(dashboard.html, clearance.id).href, keyturn.url).href,
    );
    expect(confirmation.status).toBe(200);
    const text = textOf(confirmation.html);
    expect(text).toContain('Service X');
    expect(text).toContain(vin);
    expect(text).toContain(message('en', 'account:revoke.final'));
    const keep = /<a[^>]*href="([^"]*)"[^>]*>([^<]*)<\/a>/g;
    const back = [...confirmation.html.matchAll(keep)].find(
      (m) => decodeEntities(m[2] ?? '').trim() === message('en', 'account:revoke.keep'),
    );
    expect(back?.[1]).toBe('/account');
    const again = await browser.follow(new URL(back?.[1] as string, keyturn.url).href);
    expect(textOf(again.html)).not.toContain(message('en', 'account:dashboard.ended_heading'));
    expect(await statusOf(clearance.id)).toBe('pending_validation');
  });

  it('POST /account/access/:id/revoke › confirming revokes: disconnected, the token introspects inactive, the maker is told', async () => {
    const vin = 'WBA8E9G50GNT22222';
    const { tokens, browser, clearance } = await connectedOwner('dash@example.com', vin);
    expect(clearance.status).toBe('pending_validation');
    const page = await signedIn(browser, 'dash@example.com');
    expect(textOf(page.html)).toContain(vin);
    expect(textOf(page.html)).toContain('Service X');
    expect(textOf(page.html)).not.toContain(message('en', 'account:dashboard.ended_heading'));
    // The dashboard itself has no form that revokes: only the confirmation page does.
    expect(page.html).not.toContain(`action="/account/access/${clearance.id}/revoke"`);
    const confirmation = await browser.follow(
      new URL(revokeLinkOf(page.html, clearance.id).href, keyturn.url).href,
    );
    const revoked = await browser.submit(confirmation, {}, `/account/access/${clearance.id}/revoke`);
    expect(revoked.status).toBe(200);
    // The revoked app moves below "Access that has ended", with no revoke link; none is left with access.
    const after = textOf(revoked.html);
    expect(after).toContain(message('en', 'account:dashboard.empty'));
    const endedAt = after.indexOf(message('en', 'account:dashboard.ended_heading'));
    expect(endedAt).toBeGreaterThan(-1);
    expect(after.indexOf(vin)).toBeGreaterThan(endedAt);
    expect(after).toContain(message('en', 'account:dashboard.state.ended'));
    expect(after).toContain(message('en', 'account:dashboard.ended_on'));
    expect(after).not.toContain(message('en', 'account:dashboard.data_points'));
    expect(revoked.html).not.toContain(`/account/access/${clearance.id}/revoke`);
    expect(await statusOf(clearance.id)).toBe('disconnected');
    expect(await introspect(keyturn.url, await registerTestConsumer(keyturn), tokens.access_token)).toEqual({
      active: false,
    });
    expect((await authorizationOf(tokens.access_token)).status).toBe(401);
    await keyturn.worker.drain();
    const simulated = world.simulator.knobs.clearances().find((c) => c.vin === vin);
    expect(simulated?.status).toBe('revoked');
  });

  it('POST /account/access/:id/revoke › another owner cannot revoke it (404, nothing changes)', async () => {
    const victim = await connectedOwner('victim@example.com', 'WBA8E9G50GNT33333');
    const intruder = await connectedOwner('intruder@example.com', 'WBA8E9G50GNT44444');
    let page = await intruder.browser.follow(`${keyturn.url}/account`);
    page = await intruder.browser.submit(page, {
      email: 'intruder@example.com',
      password: 'a long and secret passphrase',
    });
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.html)?.[1];
    const attempt = await intruder.browser.follow(
      `${keyturn.url}/account/access/${victim.clearance.id}/revoke`,
      { method: 'POST', form: { csrf } },
    );
    expect(attempt.status).toBe(404);
    expect((await keyturn.repositories.clearances.find(victim.clearance.id))?.status).toBe(
      'pending_validation',
    );
  });

  it('POST /token/revocation › the app revoking its refresh token disconnects the clearance', async () => {
    const { config, tokens, clearance } = await connectedOwner('apprevoke@example.com', 'WBA8E9G50GNT55555');
    await oauth.tokenRevocation(config, tokens.refresh_token as string, { token_type_hint: 'refresh_token' });
    expect(await statusOf(clearance.id)).toBe('disconnected');
    expect((await authorizationOf(tokens.access_token)).status).toBe(401);
  });

  it('POST /token/revocation › revoking an access token ends the whole grant: the refresh token, the clearance and the maker’s side', async () => {
    const vin = 'WBA8E9G50GNT77777';
    const { config, tokens, clearance } = await connectedOwner('accessrevoke@example.com', vin);
    await oauth.tokenRevocation(config, tokens.access_token, { token_type_hint: 'access_token' });
    // In the revocation's own request: no waiting.
    expect(await statusOf(clearance.id)).toBe('disconnected');
    expect((await authorizationOf(tokens.access_token)).status).toBe(401);
    await expect(oauth.refreshTokenGrant(config, tokens.refresh_token as string)).rejects.toThrow();
    await keyturn.worker.drain();
    expect(world.simulator.knobs.clearances().find((c) => c.vin === vin)?.status).toBe('revoked');
  });

  it('POST /token › replaying a rotated refresh token ends the grant inside the token transaction and disconnects the clearance', async () => {
    const { config, tokens, clearance } = await connectedOwner('replay@example.com', 'WBA8E9G50GNT66666');
    const refreshed = await oauth.refreshTokenGrant(config, tokens.refresh_token as string);
    await expect(oauth.refreshTokenGrant(config, tokens.refresh_token as string)).rejects.toThrow();
    expect(await statusOf(clearance.id)).toBe('disconnected');
    expect((await authorizationOf(refreshed.access_token)).status).toBe(401);
  });
});
