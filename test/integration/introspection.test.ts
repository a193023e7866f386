// RFC 7662 introspection over HTTP for every clearance status, with the exact body a data consumer gets:
// exactly {"active":false} while no data may flow (§2.2), and every documented field while it may. Each
// token is asked about four ways: the access token and the refresh token, each with and without
// token_type_hint=refresh_token (§2.1: a hint only orders the search; a wrong one still finds the token).
// The clearance reaches each status the way it does in service: the maker's answers and callbacks from the
// OEM simulator, the app's RFC 7009 revocation, the deadline sweep; only the two statuses no callback
// raises yet go through the relay's command for clearance events.
import * as oauth from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { type ClearanceStatus, clearanceStatuses } from '../../src/domain/clearance/status.ts';
import { changeClearance } from '../support/clearance.ts';
import { bmwVin } from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp, registerTestConsumer } from '../support/keyturn.ts';
import {
  clearanceStatus,
  type GrantedClearance,
  grantClearance,
  introspect,
  type OemWorld,
  simulatedClearancesFor,
  startKeyturnWithOem,
  startOemWorld,
  until,
} from '../support/relay.ts';
import { discover } from '../support/relying-party.ts';

/** A VIN the simulated maker does not know (it answers 422 unknown_vin). */
const unknownVin = 'WBA8E9G50GN000000';

describe('POST /token/introspection › every clearance status', () => {
  let world: OemWorld;
  let keyturn: RunningKeyturn;
  let app: RegisteredApp;
  let config: oauth.Configuration;
  let consumer: { client_id: string; client_secret: string };
  let owners = 0;

  beforeAll(async () => {
    world = await startOemWorld();
    // A deadline of one second, so a sweep told it is two seconds later times a clearance out.
    keyturn = await startKeyturnWithOem(world, { CLEARANCE_DEADLINE: '1' });
    app = await registerTestApp(keyturn);
    config = await discover(keyturn.url, app);
    consumer = await registerTestConsumer(keyturn);
  });
  afterAll(async () => {
    await keyturn?.close();
    await world?.simulator.close();
  });

  /** The relay sends the clearance request; the maker answers it. */
  const askTheMaker = () => keyturn.worker.drain();

  /** The owner decides in the maker's portal; returns once the maker's callbacks have been delivered. */
  async function ownerDecides(granted: GrantedClearance, decision: 'approve' | 'reject' | 'revoke') {
    const [simulated] = simulatedClearancesFor(world, granted.clearance.id);
    if (!simulated) throw new Error('the maker holds no clearance');
    world.simulator.knobs.decide(simulated.id, decision);
    await world.simulator.knobs.pendingDeliveries();
  }

  async function connected(granted: GrantedClearance) {
    await askTheMaker();
    await ownerDecides(granted, 'approve');
  }

  interface StatusCase {
    status: ClearanceStatus;
    /** What a consumer is told: the documented fields, or exactly {"active":false}. */
    answer: 'active' | 'inactive';
    vin?: string;
    reach(granted: GrantedClearance): Promise<unknown>;
  }

  const cases: StatusCase[] = [
    { status: 'pending', answer: 'inactive', reach: async () => {} },
    { status: 'pending_validation', answer: 'inactive', reach: askTheMaker },
    { status: 'wrong_tracker_id', answer: 'inactive', vin: unknownVin, reach: askTheMaker },
    {
      status: 'error_rejected',
      answer: 'inactive',
      reach: async (granted) => {
        await askTheMaker();
        await ownerDecides(granted, 'reject');
      },
    },
    {
      status: 'pending_for_data',
      answer: 'active',
      reach: async (granted) => {
        await askTheMaker();
        const [simulated] = simulatedClearancesFor(world, granted.clearance.id);
        if (!simulated) throw new Error('the maker holds no clearance');
        world.simulator.knobs.decide(simulated.id, 'approve');
        // The approval is on its way; the car's first position, sent after it, is lost.
        world.simulator.knobs.dropNextCallbacks(1);
        await world.simulator.knobs.pendingDeliveries();
      },
    },
    { status: 'connected', answer: 'active', reach: connected },
    {
      status: 'error_data',
      answer: 'active',
      reach: async (granted) => {
        await connected(granted);
        await changeClearance(keyturn, granted.clearance.grantId, 'data_missing');
      },
    },
    {
      status: 'error_capability',
      answer: 'active',
      reach: async (granted) => {
        await connected(granted);
        await changeClearance(keyturn, granted.clearance.grantId, 'capability_missing');
      },
    },
    {
      status: 'error_revoke',
      answer: 'inactive',
      reach: async (granted) => {
        await connected(granted);
        await ownerDecides(granted, 'revoke');
      },
    },
    {
      status: 'disconnected',
      answer: 'inactive',
      reach: async (granted) => {
        await connected(granted);
        // The app revokes its refresh token (RFC 7009), which ends the grant and cancels the clearance.
        await oauth.tokenRevocation(config, granted.tokens.refresh_token as string, {
          token_type_hint: 'refresh_token',
        });
        await until(
          async () =>
            (await clearanceStatus(keyturn, granted.clearance.id)) === 'disconnected' ? true : undefined,
          'the clearance to be disconnected',
        );
      },
    },
    {
      status: 'error_validating',
      answer: 'inactive',
      reach: async () => {
        // The maker refuses the request itself (a 4xx other than 408/429): asking again cannot help. (Jobs
        // of earlier cases may call the maker in the same drain, so every call is refused meanwhile.)
        world.simulator.knobs.failNextRequests(100, 400);
        await askTheMaker();
        world.simulator.knobs.failNextRequests(0);
      },
    },
    {
      status: 'error_time_out',
      answer: 'inactive',
      reach: async () => {
        await askTheMaker();
        // The sweep is told the time: two seconds on, past the one-second deadline.
        await keyturn.maintenance(Date.now() + 2_000);
      },
    },
  ];

  it('covers every clearance status', () => {
    expect(cases.map((c) => c.status).sort()).toEqual([...clearanceStatuses].sort());
  });

  /** Every way of asking about the tokens of one grant. */
  function questions(granted: GrantedClearance) {
    const accessToken = granted.tokens.access_token;
    const refreshToken = granted.tokens.refresh_token as string;
    return [
      { token: 'access', value: accessToken, hint: undefined },
      { token: 'access', value: accessToken, hint: 'refresh_token' },
      { token: 'refresh', value: refreshToken, hint: undefined },
      { token: 'refresh', value: refreshToken, hint: 'refresh_token' },
    ] as const;
  }

  const answering = (answer: StatusCase['answer']) =>
    cases.filter((c) => c.answer === answer).map((c) => [c.status, c] as const);

  it.each(answering('inactive'))(
    'POST /token/introspection › a token whose clearance is %s gets exactly {"active":false}, whichever token and hint',
    async (status, { vin, reach }) => {
      const granted = await grantClearance(keyturn, app, { email: `introspect${++owners}@example.com`, vin });
      await reach(granted);
      expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe(status);
      for (const question of questions(granted)) {
        const answer = await introspect(keyturn.url, consumer, question.value, question.hint);
        expect({ ...question, answer }).toStrictEqual({ ...question, answer: { active: false } });
      }
    },
  );

  it.each(answering('active'))(
    'POST /token/introspection › a token whose clearance is %s gets every documented field, exactly, whichever hint',
    async (status, { vin, reach }) => {
      const granted = await grantClearance(keyturn, app, { email: `introspect${++owners}@example.com`, vin });
      await reach(granted);
      expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe(status);
      const account = await keyturn.repositories.accounts.findByEmail(granted.email);
      const accessToken = await keyturn.authorizationServer.AccessToken.find(granted.tokens.access_token);
      const refreshToken = await keyturn.authorizationServer.RefreshToken.find(
        granted.tokens.refresh_token as string,
      );
      const common = {
        active: true,
        client_id: app.client_id,
        sub: account?.id,
        scope: 'location mileage offline_access',
        iss: keyturn.url,
        authorization_status: 'approved',
        vehicle_status: status,
        vin: vin ?? bmwVin,
        brand: 'bmw',
      };
      const expected = {
        // RFC 7662 §2.2 token_type is an access token's type (RFC 6749 §7.1); a refresh token has none.
        access: { ...common, exp: accessToken?.exp, iat: accessToken?.iat, token_type: 'Bearer' },
        refresh: { ...common, exp: refreshToken?.exp, iat: refreshToken?.iat },
      };
      for (const question of questions(granted)) {
        const answer = await introspect(keyturn.url, consumer, question.value, question.hint);
        expect({ ...question, answer }).toStrictEqual({ ...question, answer: expected[question.token] });
      }
      expect(expected.access.exp).toBeGreaterThan(Date.now() / 1000);
      expect(expected.refresh.exp).toBeGreaterThan(Date.now() / 1000);
    },
  );
});
