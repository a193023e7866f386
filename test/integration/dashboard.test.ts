import * as oauth from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { textOf } from '../support/http-browser.ts';
import { newBrowser, passwordLinkFor, walkAsNewOwner } from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp } from '../support/keyturn.ts';
import { message } from '../support/locales.ts';
import { type OemWorld, startKeyturnWithOem, startOemWorld } from '../support/relay.ts';
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

  it('POST /account/access/:id/revoke › the owner revokes: disconnected, tokens dead, the maker is told', async () => {
    const { tokens, browser, clearance } = await connectedOwner('dash@example.com', 'WBA8E9G50GNT22222');
    expect(clearance.status).toBe('pending_validation');
    let page = await browser.follow(`${keyturn.url}/account`);
    page = await browser.submit(page, {
      email: 'dash@example.com',
      password: 'a long and secret passphrase',
    });
    expect(textOf(page.html)).toContain('WBA8E9G50GNT22222');
    expect(textOf(page.html)).toContain('Service X');
    expect(textOf(page.html)).not.toContain(message('en', 'account:dashboard.ended_heading'));
    page = await browser.submit(page, {}, `/account/access/${clearance.id}/revoke`);
    expect(page.status).toBe(200);
    // The revoked app moves below "Access that has ended", with no revoke button; none is left with access.
    const after = textOf(page.html);
    expect(after).toContain(message('en', 'account:dashboard.empty'));
    const endedAt = after.indexOf(message('en', 'account:dashboard.ended_heading'));
    expect(endedAt).toBeGreaterThan(-1);
    expect(after.indexOf('WBA8E9G50GNT22222')).toBeGreaterThan(endedAt);
    expect(after).toContain(message('en', 'domain:authorizationStatus.revoked'));
    expect(page.html).not.toContain(`/account/access/${clearance.id}/revoke`);
    expect((await keyturn.repositories.clearances.find(clearance.id))?.status).toBe('disconnected');
    expect((await authorizationOf(tokens.access_token)).status).toBe(401);
    await keyturn.worker.drain();
    const simulated = world.simulator.knobs.clearances().find((c) => c.vin === 'WBA8E9G50GNT22222');
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

  const statusOf = async (clearanceId: string) =>
    (await keyturn.repositories.clearances.find(clearanceId))?.status;

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
