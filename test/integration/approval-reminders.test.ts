// While an owner's approval waits at the maker, Keyturn reminds the owner by mail at the ages of the wait in
// APPROVAL_REMINDERS (2 and 7 days by default), counted from the start of the current wait, once each even
// when several processes run maintenance at once; and GET /v1/authorization says since when it waits.
// The clock is the `now` maintenance is given; mails are read from the dev mailbox.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { providers } from '../../src/domain/vehicles/brands.ts';
import { requestAgain } from '../../src/relay/request-again.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { type DevMail, mailsTo, newBrowser, walkAsNewOwner } from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp } from '../support/keyturn.ts';
import { message, type TestLocale } from '../support/locales.ts';
import {
  clearanceOfToken,
  clearanceStatus,
  type GrantedClearance,
  grantClearance,
  type OemWorld,
  simulatedClearancesFor,
  startKeyturnWithOem,
  startOemWorld,
} from '../support/relay.ts';
import { authorizationRequest, discover, redeem } from '../support/relying-party.ts';

const minute = 60_000;
const day = 86_400_000;

describe('approval reminders', () => {
  let world: OemWorld;
  let database: TestDatabase;
  let keyturn: RunningKeyturn;
  let app: RegisteredApp;
  let owners = 0;

  beforeAll(async () => {
    world = await startOemWorld();
    database = await createTestDatabase();
    keyturn = await startKeyturnWithOem(world, {}, database);
    app = await registerTestApp(keyturn);
  });
  afterAll(async () => {
    await keyturn?.close();
    await world?.simulator.close();
    await database?.drop();
  });

  const nextOwner = () => ({
    email: `waiting${++owners}@example.com`,
    vin: `WBA8E9G50GNT${String(80000 + owners)}`,
  });

  /** A new owner's consent, taken by the maker: the clearance waits for the owner's approval there. */
  async function waitingOwner(): Promise<GrantedClearance> {
    const granted = await grantClearance(keyturn, app, nextOwner());
    await keyturn.worker.drain();
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('pending_validation');
    return granted;
  }

  const subjectIn = (locale: TestLocale) =>
    message(locale, 'mail_reminders:subject', { app: 'Service X', brand: 'BMW' });

  /** The reminders mailed to `email` (in `locale`), newest first. */
  async function remindersTo(email: string, locale: TestLocale = 'en'): Promise<DevMail[]> {
    return (await mailsTo(keyturn.url, email)).filter((mail) => mail.subject === subjectIn(locale));
  }

  /** Maintenance as of `now` in every given process, all at once, then the outbox worked off. */
  async function maintainAt(now: number, processes: RunningKeyturn[] = [keyturn]) {
    const results = await Promise.all(processes.map((process) => process.maintenance(now)));
    for (const process of processes) await process.worker.drain();
    return results;
  }

  /** The reminder body the owner must read: every placeholder filled, the maker's hint included. */
  function expectedBody(
    locale: TestLocale,
    granted: { vin: string },
    waitingSince: number,
    waited: string,
  ): string {
    return message(locale, 'mail_reminders:body', {
      app: 'Service X',
      brand: 'BMW',
      vin: granted.vin,
      requested: new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(waitingSince),
      waited,
      hint: message(locale, 'mail_reminders:hint.bmw', { brand: 'BMW' }),
      dashboard: `${keyturn.url}/account?lang=${locale}`,
    });
  }

  const authorizationOf = async (token: string) => {
    const response = await fetch(`${keyturn.url}/v1/authorization`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { status: string; pending_since: string | null };
  };

  it('GET /v1/authorization › pending_since is when the wait began while pending (unchanged when the maker takes the request), null once approved', async () => {
    const granted = await grantClearance(keyturn, app, nextOwner());
    const since = new Date(granted.clearance.createdAt).toISOString();
    expect(await authorizationOf(granted.tokens.access_token)).toMatchObject({
      status: 'pending',
      pending_since: since,
    });
    await keyturn.worker.drain();
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('pending_validation');
    expect(await authorizationOf(granted.tokens.access_token)).toMatchObject({
      status: 'pending',
      pending_since: since,
    });
    const [simulated] = simulatedClearancesFor(world, granted.clearance.id);
    world.simulator.knobs.decide(simulated?.id as string, 'approve');
    await world.simulator.knobs.pendingDeliveries();
    expect(await authorizationOf(granted.tokens.access_token)).toMatchObject({
      status: 'approved',
      pending_since: null,
    });
  });

  it('maintenance › no reminder before 2 days; one at 2 days; not again at 3; a second at 7; none after', async () => {
    const granted = await waitingOwner();
    const start = granted.clearance.createdAt;

    await maintainAt(start + 2 * day - minute);
    expect(await remindersTo(granted.email)).toHaveLength(0);

    const [atTwoDays] = await maintainAt(start + 2 * day + minute);
    expect(atTwoDays?.reminded).toBeGreaterThanOrEqual(1);
    const [first, ...others] = await remindersTo(granted.email);
    expect(others).toHaveLength(0);
    expect(first?.text).toBe(expectedBody('en', granted, start, '2 days'));
    expect(first?.links).toContain(`${keyturn.url}/account?lang=en`);

    await maintainAt(start + 3 * day);
    expect(await remindersTo(granted.email)).toHaveLength(1);

    await maintainAt(start + 7 * day + minute);
    const reminders = await remindersTo(granted.email);
    expect(reminders).toHaveLength(2);
    expect(reminders[0]?.text).toBe(expectedBody('en', granted, start, '7 days'));

    await maintainAt(start + 10 * day);
    expect(await remindersTo(granted.email)).toHaveLength(2);
  });

  it('maintenance › a wait past both ages at the first sweep gets one reminder, the latest', async () => {
    const granted = await waitingOwner();
    await maintainAt(granted.clearance.createdAt + 8 * day);
    const reminders = await remindersTo(granted.email);
    expect(reminders).toHaveLength(1);
    expect(reminders[0]?.text).toContain('8 days');
    await maintainAt(granted.clearance.createdAt + 9 * day);
    expect(await remindersTo(granted.email)).toHaveLength(1);
  });

  it('maintenance › no reminder once the owner approved or rejected at the maker', async () => {
    const approving = await waitingOwner();
    const rejecting = await waitingOwner();
    for (const [granted, decision] of [
      [approving, 'approve'],
      [rejecting, 'reject'],
    ] as const) {
      const [simulated] = simulatedClearancesFor(world, granted.clearance.id);
      world.simulator.knobs.decide(simulated?.id as string, decision);
    }
    await world.simulator.knobs.pendingDeliveries();
    expect(await clearanceStatus(keyturn, approving.clearance.id)).not.toMatch(/^pending/);
    expect(await clearanceStatus(keyturn, rejecting.clearance.id)).toBe('error_rejected');

    await maintainAt(rejecting.clearance.createdAt + 7 * day + minute);
    expect(await remindersTo(approving.email)).toHaveLength(0);
    expect(await remindersTo(rejecting.email)).toHaveLength(0);
  });

  it('approval_reminder job › a reminder queued before the owner approved is not sent', async () => {
    const granted = await waitingOwner();
    await keyturn.maintenance(granted.clearance.createdAt + 2 * day + minute);
    const [simulated] = simulatedClearancesFor(world, granted.clearance.id);
    world.simulator.knobs.decide(simulated?.id as string, 'approve');
    await world.simulator.knobs.pendingDeliveries();
    await keyturn.worker.drain();
    const jobs = await keyturn.database
      .query()('outbox')
      .where({ kind: 'approval_reminder' })
      .andWhereLike('payload', `%${granted.clearance.id}%`);
    expect(jobs).toHaveLength(1);
    expect(jobs[0].done_at).not.toBeNull();
    expect(await remindersTo(granted.email)).toHaveLength(0);
  });

  it('maintenance › a clearance requested again counts its wait from the new request', async () => {
    const owner = nextOwner();
    world.simulator.knobs.failNextRequests(1, 400);
    const granted = await grantClearance(keyturn, app, owner);
    await keyturn.worker.drain();
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('error_validating');

    // The owner asks again five days after the consent.
    const askedAgain = granted.clearance.createdAt + 5 * day;
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(askedAgain);
      expect((await requestAgain(keyturn.relay, granted.clearance.id, 'owner_requested_again')).outcome).toBe(
        'changed',
      );
    } finally {
      vi.useRealTimers();
    }
    expect(await authorizationOf(granted.tokens.access_token)).toMatchObject({
      status: 'pending',
      pending_since: new Date(askedAgain).toISOString(),
    });

    // Seven days after the consent, but only two minus a minute after the new request.
    await maintainAt(askedAgain + 2 * day - minute);
    expect(await remindersTo(granted.email)).toHaveLength(0);
    await maintainAt(askedAgain + 2 * day + minute);
    const reminders = await remindersTo(granted.email);
    expect(reminders).toHaveLength(1);
    expect(reminders[0]?.text).toBe(expectedBody('en', granted, askedAgain, '2 days'));
  });

  it('maintenance › run by two processes at once, each reminder is mailed once', async () => {
    const other = await startKeyturnWithOem(world, {}, database);
    try {
      const granted = await waitingOwner();
      const results = await maintainAt(granted.clearance.createdAt + 2 * day + minute, [
        keyturn,
        other,
        keyturn,
        other,
      ]);
      expect(results.every((result) => typeof result.reminded === 'number')).toBe(true);
      expect(await remindersTo(granted.email)).toHaveLength(1);
      const jobs = await keyturn.database
        .query()('outbox')
        .where({ kind: 'approval_reminder' })
        .andWhereLike('payload', `%${granted.clearance.id}%`);
      expect(jobs).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('maintenance › an owner whose journey was in German is reminded in German', async () => {
    const owner = nextOwner();
    const config = await discover(keyturn.url, app);
    const request = await authorizationRequest(config);
    const done = await walkAsNewOwner(newBrowser('de'), request.url, owner);
    const tokens = await redeem(config, done.url, request);
    const clearance = await clearanceOfToken(keyturn, tokens.access_token);
    await keyturn.worker.drain();

    await maintainAt(clearance.createdAt + 2 * day + minute);
    expect(await remindersTo(owner.email, 'en')).toHaveLength(0);
    const reminders = await remindersTo(owner.email, 'de');
    expect(reminders).toHaveLength(1);
    expect(reminders[0]?.text).toBe(expectedBody('de', owner, clearance.createdAt, '2 Tage'));
    expect(reminders[0]?.text).toContain('My BMW App');
  });

  it.each(['en', 'de'] as const)(
    'mail_reminders (%s) › every maker of the journey has its own approval hint',
    (locale) => {
      const hints = providers.map((provider) =>
        message(locale, `mail_reminders:hint.${provider}`, { brand: 'X' }),
      );
      expect(new Set([...hints, message(locale, 'mail_reminders:hint.other', { brand: 'X' })]).size).toBe(
        providers.length + 1,
      );
    },
  );

  it('APPROVAL_REMINDERS=none › maintenance mails no reminder', async () => {
    const silent = await startKeyturnWithOem(world, { APPROVAL_REMINDERS: 'none' });
    try {
      const silentApp = await registerTestApp(silent);
      const granted = await grantClearance(silent, silentApp, nextOwner());
      await silent.worker.drain();
      const [result] = await maintainAt(granted.clearance.createdAt + 8 * day, [silent]);
      expect(result?.reminded).toBe(0);
      const mails = await mailsTo(silent.url, granted.email);
      expect(mails.length).toBeGreaterThan(0);
      expect(mails.filter((mail) => mail.subject === subjectIn('en'))).toHaveLength(0);
    } finally {
      await silent.close();
    }
  });
});
