// How clearances end, and that the maker always hears of it: a revocation while the clearance request is
// still under way reaches the maker once its reference is known; the deadline sweep's time-out is passed
// on; a request the maker refuses, or never takes, ends in `error_validating`, which the app is told and
// from which the owner can ask again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { cancelClearance } from '../../src/relay/cancel-clearance.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { textOf } from '../support/http-browser.ts';
import { newBrowser, passwordLinkFor } from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp } from '../support/keyturn.ts';
import { message } from '../support/locales.ts';
import {
  authorizationOf,
  clearanceStatus,
  drainUntil,
  type GrantedClearance,
  grantClearance,
  type OemWorld,
  simulatedClearancesFor,
  startKeyturnWithOem,
  startOemWorld,
} from '../support/relay.ts';

const day = 86_400_000;

describe('relay › how clearances end', () => {
  let world: OemWorld;
  let database: TestDatabase;
  let keyturn: RunningKeyturn;
  let app: RegisteredApp;
  let owners = 0;

  beforeAll(async () => {
    world = await startOemWorld();
    database = await createTestDatabase();
    keyturn = await startKeyturnWithOem(world, { RELAY_MAX_ATTEMPTS: '3' }, database);
    app = await registerTestApp(keyturn);
  });
  afterAll(async () => {
    await keyturn?.close();
    await world?.simulator.close();
    await database?.drop();
  });

  const nextOwner = () => ({
    email: `ending${++owners}@example.com`,
    vin: `WBA8E9G50GNT${String(70000 + owners)}`,
  });
  const makerSide = (granted: GrantedClearance) =>
    simulatedClearancesFor(world, granted.clearance.id)[0]?.status;
  const appWebhooks = async (granted: GrantedClearance) =>
    (await keyturn.database.query()('outbox').where({ kind: 'app_webhook' }).orderBy('id').select('payload'))
      .map((row: { payload: string }) => JSON.parse(row.payload) as { clearanceId: string; status: string })
      .filter((payload) => payload.clearanceId === granted.clearance.id)
      .map((payload) => payload.status);

  it('relay › a revocation while the clearance request is under way reaches the maker once its reference is known', async () => {
    // A second instance's worker (as with `keyturn worker` beside the server) runs the revocation while
    // the first one's request is still at the maker.
    const other = await startKeyturnWithOem(world, {}, database);
    try {
      const granted = await grantClearance(keyturn, app, nextOwner());
      world.simulator.knobs.setResponseDelay(300);
      const arrived = world.simulator.knobs.nextCallArrives();
      const requesting = keyturn.worker.drain();
      await arrived;
      await cancelClearance(keyturn.relay, granted.clearance.id, 'owner_revoked');
      await other.worker.drain();
      expect(makerSide(granted)).toBe(undefined);
      await requesting;
      world.simulator.knobs.setResponseDelay(0);
      expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('disconnected');
      await keyturn.worker.drain();
      expect(makerSide(granted)).toBe('revoked');
    } finally {
      world.simulator.knobs.setResponseDelay(0);
      await other.close();
    }
  });

  it('relay › the deadline sweep times a clearance out and the maker is told', async () => {
    const granted = await grantClearance(keyturn, app, nextOwner());
    await keyturn.worker.drain();
    expect(makerSide(granted)).toBe('pending_validation');
    const swept = await keyturn.maintenance(Date.now() + 15 * day);
    expect(swept.timedOut).toBeGreaterThanOrEqual(1);
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('error_time_out');
    await keyturn.worker.drain();
    expect(makerSide(granted)).toBe('revoked');
    expect(await appWebhooks(granted)).toEqual(['expired']);
  });

  it('relay › a request the maker refuses moves the clearance to error_validating and the app is told', async () => {
    const granted = await grantClearance(keyturn, app, nextOwner());
    world.simulator.knobs.failNextRequests(1, 400);
    await keyturn.worker.drain();
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('error_validating');
    expect(await authorizationOf(keyturn.url, granted.tokens.access_token)).toMatchObject({
      status: 'expired',
      vehicle_status: 'error_validating',
    });
    expect(await appWebhooks(granted)).toEqual(['expired']);
  });

  it('relay › a request the maker never takes, after every retry, moves the clearance to error_validating', async () => {
    const granted = await grantClearance(keyturn, app, nextOwner());
    world.simulator.knobs.failNextRequests(3, 503);
    await drainUntil(
      keyturn,
      async () => (await clearanceStatus(keyturn, granted.clearance.id)) !== 'pending',
      'the request to be given up on',
    );
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('error_validating');
    const [job] = await keyturn.database
      .query()('outbox')
      .where({ kind: 'clearance_request' })
      .andWhereLike('payload', `%${granted.clearance.id}%`);
    expect(job.last_error).toMatch(/^abandoned: /);
  });

  it('POST /account/access/:id/request-again › the owner asks again: pending, a new request, approved by the maker', async () => {
    const owner = nextOwner();
    const granted = await grantClearance(keyturn, app, owner);
    world.simulator.knobs.failNextRequests(1, 400);
    await keyturn.worker.drain();
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('error_validating');

    const browser = newBrowser();
    await browser.submit(await browser.follow(await passwordLinkFor(keyturn.url, owner.email)), {
      password: 'a long and secret passphrase',
    });
    let page = await browser.submit(await browser.follow(`${keyturn.url}/account/sign-in`), {
      email: owner.email,
      password: 'a long and secret passphrase',
    });
    expect(textOf(page.html)).toContain(
      message('en', 'account:dashboard.state.maker_unreachable', { brand: 'BMW' }),
    );
    // The dashboard links the confirmation page; confirming there asks again.
    const confirmation = await browser.follow(
      `${keyturn.url}/account/access/${granted.clearance.id}/request-again`,
    );
    expect(page.html).toContain(`href="/account/access/${granted.clearance.id}/request-again"`);
    page = await browser.submit(confirmation, {}, `/account/access/${granted.clearance.id}/request-again`);
    expect(textOf(page.html)).toContain(message('en', 'account:dashboard.requested_again_notice'));
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('pending');

    await keyturn.worker.drain();
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('pending_validation');
    const [simulated] = simulatedClearancesFor(world, granted.clearance.id);
    world.simulator.knobs.decide(simulated?.id as string, 'approve');
    await world.simulator.knobs.pendingDeliveries();
    expect(await authorizationOf(keyturn.url, granted.tokens.access_token)).toMatchObject({
      status: 'approved',
    });
    expect(await appWebhooks(granted)).toEqual(['expired', 'pending', 'approved']);
  });
});
