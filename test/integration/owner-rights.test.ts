// The owner's rights over real HTTP, with the OEM simulator as the maker and a real webhook receiver as the
// app: consent records and receipts, asking a maker again after a rejection, and erasing the account.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { consentTextVersion } from '../../src/journey/consent-text.ts';
import { type HttpBrowser, textOf } from '../support/http-browser.ts';
import { mailsTo, newBrowser, passwordLinkFor } from '../support/journey.ts';
import {
  type RunningKeyturn,
  registerTestApp,
  registerTestConsumer,
  startKeyturn,
} from '../support/keyturn.ts';
import { message } from '../support/locales.ts';
import {
  clearanceStatus,
  drainUntil,
  type GrantedClearance,
  grantClearance,
  introspect,
  type OemWorld,
  simulatedClearancesFor,
  startOemWorld,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../support/relay.ts';

const password = 'a long and secret passphrase';

describe('owner rights', () => {
  let world: OemWorld;
  let keyturn: RunningKeyturn;
  let receiver: WebhookReceiver;
  let app: RegisteredApp;
  // Everything the server logs, at its most talkative level.
  const log: string[] = [];
  const logDestination = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      log.push(String(chunk));
      done();
    },
  });

  beforeAll(async () => {
    world = await startOemWorld();
    keyturn = await startKeyturn(
      { RELAY_RETRY_BASE_MS: '10', RELAY_RETRY_MAX_MS: '50', ...world.env, LOG_LEVEL: 'debug' },
      undefined,
      { logDestination },
    );
    receiver = await startWebhookReceiver();
    app = await registerTestApp(keyturn, { webhookUrl: receiver.url });
  });
  afterAll(async () => {
    await keyturn?.close();
    await receiver?.close();
    await world?.simulator.close();
  });

  /** A new owner consents, the maker is asked, and the owner sets a password and signs in. */
  async function ownerWithPassword(email: string, vin: string) {
    const granted = await grantClearance(keyturn, app, { email, vin });
    await drainUntil(
      keyturn,
      async () => (await clearanceStatus(keyturn, granted.clearance.id)) === 'pending_validation',
      'the maker is asked',
    );
    const browser = newBrowser();
    await browser.submit(await browser.follow(await passwordLinkFor(keyturn.url, email)), { password });
    return { granted, browser };
  }

  async function signIn(browser: HttpBrowser, email: string, next = '/account') {
    const page = await browser.follow(`${keyturn.url}${next}`);
    return browser.submit(page, { email, password });
  }

  async function makerDecides(granted: GrantedClearance, decision: 'approve' | 'reject') {
    const simulated = simulatedClearancesFor(world, granted.clearance.id).at(-1);
    world.simulator.knobs.decide(simulated?.id as string, decision);
    await world.simulator.knobs.pendingDeliveries();
  }

  /** The authorization statuses the app was told about one vehicle, in order of delivery. */
  const appToldAbout = (vin: string) =>
    receiver.received
      .map(
        (delivery) =>
          JSON.parse(delivery.body) as { vehicle?: { vin?: string }; authorization?: { status: string } },
      )
      .filter((event) => event.vehicle?.vin === vin && event.authorization)
      .map((event) => event.authorization?.status);

  it('consent › records the consent with the version of the wording shown, and mails a receipt', async () => {
    const email = 'receipt@example.com';
    const vin = 'WBA8E9G50GNT30001';
    const { granted } = await ownerWithPassword(email, vin);
    const records = await keyturn.repositories.consentRecords.listForClearance(granted.clearance.id);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      kind: 'consent',
      occasion: 'journey',
      appName: 'Service X',
      brand: 'bmw',
      vin,
      locale: 'en',
      textVersion: consentTextVersion('journey', 'en'),
    });
    expect(records[0]?.textVersion).toMatch(/^[0-9a-f]{64}$/);
    expect(consentTextVersion('journey', 'de')).not.toBe(consentTextVersion('journey', 'en'));
    await drainUntil(
      keyturn,
      async () => (await mailsTo(keyturn.url, email)).some((m) => m.subject.includes('receipt')),
      'the receipt',
    );
    const receipt = (await mailsTo(keyturn.url, email)).find((m) => m.subject.includes('receipt'));
    expect(receipt?.subject).toBe(message('en', 'mail_receipt:subject', { app: 'Service X', brand: 'BMW' }));
    for (const expected of [
      vin,
      'Service X',
      'Location',
      'Mileage',
      `${keyturn.url}/account`,
      `receipt no. ${records[0]?.id}`,
    ])
      expect(receipt?.text).toContain(expected);
    const until = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' }).format(
      granted.clearance.grantExpiresAt as number,
    );
    expect(receipt?.text).toContain(until);
    // The grant was saved with its lifetime: the clearance knows when the app's access ends.
    const year = keyturn.config.ttl.grant * 1000;
    expect(granted.clearance.grantExpiresAt).toBeGreaterThan(Date.now() + year - 120_000);
  });

  it('revocation › the ending is recorded with who ended it', async () => {
    const email = 'withdraw@example.com';
    const { granted, browser } = await ownerWithPassword(email, 'WBA8E9G50GNT30002');
    const dashboard = await signIn(browser, email);
    const confirmation = await browser.follow(`${keyturn.url}/account/access/${granted.clearance.id}/revoke`);
    expect(dashboard.status).toBe(200);
    await browser.submit(confirmation, {}, `/account/access/${granted.clearance.id}/revoke`);
    const records = await keyturn.repositories.consentRecords.listForClearance(granted.clearance.id);
    expect(records.map((r) => [r.kind, r.occasion])).toEqual([
      ['consent', 'journey'],
      ['withdrawal', 'revoked_in_keyturn'],
    ]);
    expect(records[1]?.dataPoints).toEqual(records[0]?.dataPoints);
  });

  it('request again › after the maker’s rejection the app gets a resolution URL; the owner signs in, confirms once, and the same token is approved later', async () => {
    const email = 'again@example.com';
    const vin = 'WBA8E9G50GNT30003';
    const { granted } = await ownerWithPassword(email, vin);
    await makerDecides(granted, 'reject');
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('error_rejected');
    const status = await fetch(`${keyturn.url}/v1/authorization`, {
      headers: { authorization: `Bearer ${granted.tokens.access_token}` },
    });
    const body = (await status.json()) as { status: string; resolution_url: string | null };
    expect(body.status).toBe('rejected');
    expect(body.resolution_url).toBe(`${keyturn.url}/account/access/${granted.clearance.id}/request-again`);

    // Not signed in: the sign-in page, then back to the page the app linked.
    const browser = newBrowser();
    const page = await signIn(browser, email, new URL(body.resolution_url as string).pathname);
    expect(page.url).toBe(body.resolution_url);
    const text = textOf(page.html);
    expect(text).toContain(message('en', 'request_again:why.error_rejected', { brand: 'BMW' }));
    expect(text).toContain(vin);
    expect(text).toContain('Service X');

    const confirmed = await browser.submit(page, {});
    expect(new URL(confirmed.url).pathname).toBe('/account');
    // A second click (a double submit) finds the request under way and changes nothing.
    await browser.submit(page, {});
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('pending');
    const records = await keyturn.repositories.consentRecords.listForClearance(granted.clearance.id);
    expect(records.map((r) => [r.kind, r.occasion])).toEqual([
      ['consent', 'journey'],
      ['withdrawal', 'rejected_at_maker'],
      ['consent', 'request_again'],
    ]);
    expect(records[2]?.textVersion).toBe(consentTextVersion('request_again', 'en'));

    await drainUntil(
      keyturn,
      async () => simulatedClearancesFor(world, granted.clearance.id).length === 2,
      'the maker is asked again',
    );
    await drainUntil(
      keyturn,
      async () => (await clearanceStatus(keyturn, granted.clearance.id)) === 'pending_validation',
      'the maker took the new request',
    );
    await makerDecides(granted, 'approve');
    const consumer = await registerTestConsumer(keyturn);
    expect(await introspect(keyturn.url, consumer, granted.tokens.access_token)).toMatchObject({
      active: true,
    });
    const again = (await (
      await fetch(`${keyturn.url}/v1/authorization`, {
        headers: { authorization: `Bearer ${granted.tokens.access_token}` },
      })
    ).json()) as { status: string; resolution_url: string | null };
    expect(again).toMatchObject({ status: 'approved', resolution_url: null });
  });

  it('request again › weeks after the consent, the new request gets its full deadline before it times out', async () => {
    const email = 'late@example.com';
    const { granted, browser } = await ownerWithPassword(email, 'WBA8E9G50GNT30008');
    await makerDecides(granted, 'reject');
    // The consent and its first wait lie three weeks back, past the deadline.
    const weeksAgo = Date.now() - 21 * 86_400_000;
    await keyturn.database
      .query()('clearances')
      .where({ id: granted.clearance.id })
      .update({ created_at: weeksAgo });
    await keyturn.database
      .query()('clearance_transitions')
      .where({ clearance_id: granted.clearance.id })
      .update({ created_at: weeksAgo });
    const page = await signIn(browser, email, `/account/access/${granted.clearance.id}/request-again`);
    await browser.submit(page, {});
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('pending');
    const swept = await keyturn.maintenance(Date.now());
    expect(swept.timedOut).toBe(0);
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('pending');
    const later = await keyturn.maintenance(
      Date.now() + keyturn.config.relay.clearanceDeadline * 1000 + 60_000,
    );
    expect(later.timedOut).toBeGreaterThanOrEqual(1);
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('error_time_out');
  });

  it('request again › another owner’s clearance is unknown, and an approved one cannot be asked again', async () => {
    const { granted } = await ownerWithPassword('first@example.com', 'WBA8E9G50GNT30004');
    const other = await ownerWithPassword('second@example.com', 'WBA8E9G50GNT30005');
    await signIn(other.browser, 'second@example.com');
    const foreign = await other.browser.follow(
      `${keyturn.url}/account/access/${granted.clearance.id}/request-again`,
    );
    expect(foreign.status).toBe(404);
    const own = await other.browser.follow(
      `${keyturn.url}/account/access/${other.granted.clearance.id}/request-again`,
    );
    expect(new URL(own.url).pathname).toBe('/account');
  });

  it('sign-in › a return path outside the account area is ignored', async () => {
    await ownerWithPassword('nowhere@example.com', 'WBA8E9G50GNT30006');
    const browser = newBrowser();
    const page = await browser.follow(
      `${keyturn.url}/account/sign-in?next=${encodeURIComponent('//evil.example/x')}`,
    );
    expect(page.html).not.toContain('name="next"');
    const signedIn = await browser.submit(page, { email: 'nowhere@example.com', password });
    expect(new URL(signedIn.url).pathname).toBe('/account');
  });

  it('erasure › wrong password or no confirmation changes nothing; then every token stops, the app and the maker are told, and no table names the owner or the vehicle', async () => {
    const email = 'erase.me@example.com';
    const vin = 'WBA8E9G50GNT30007';
    const { granted, browser } = await ownerWithPassword(email, vin);
    await makerDecides(granted, 'approve');
    const consumer = await registerTestConsumer(keyturn);
    expect(await introspect(keyturn.url, consumer, granted.tokens.access_token)).toMatchObject({
      active: true,
    });
    await signIn(browser, email);

    const form = await browser.follow(`${keyturn.url}/account/delete`);
    expect(textOf(form.html)).toContain(message('en', 'account_deletion:kept'));
    const wrong = await browser.submit(form, { password: 'not the password', confirm: 'yes' });
    expect(wrong.status).toBe(400);
    expect(textOf(wrong.html)).toContain(message('en', 'account_deletion:errors.wrong_password'));
    const unconfirmed = await browser.submit(form, { password });
    expect(unconfirmed.status).toBe(400);
    expect(textOf(unconfirmed.html)).toContain(message('en', 'account_deletion:errors.not_confirmed'));
    expect(await keyturn.repositories.accounts.findByEmail(email)).toBeDefined();

    const done = await browser.submit(form, { password, confirm: 'yes' });
    expect(new URL(done.url).pathname).toBe('/account/deleted');
    expect(textOf(done.html)).toContain(message('en', 'account_deletion:deleted_heading'));
    expect(await introspect(keyturn.url, consumer, granted.tokens.access_token)).toEqual({ active: false });
    expect(await introspect(keyturn.url, consumer, granted.tokens.refresh_token as string)).toEqual({
      active: false,
    });
    const dashboard = await browser.follow(`${keyturn.url}/account`);
    expect(new URL(dashboard.url).pathname).toBe('/account/sign-in');

    await drainUntil(
      keyturn,
      async () =>
        Number(
          (await keyturn.database.query()('outbox').whereNull('done_at').count({ count: '*' }).first())
            ?.count,
        ) === 0 && simulatedClearancesFor(world, granted.clearance.id).every((c) => c.status === 'revoked'),
      'the notices went out and the follow-up ran',
    );
    expect(simulatedClearancesFor(world, granted.clearance.id).map((c) => c.status)).toContain('revoked');
    expect(appToldAbout(vin).at(-1)).toBe('revoked');

    // The dev mailbox stands for the owner's own inbox (production has none): it is not Keyturn's store.
    const holders = await tablesNaming(keyturn, [email, vin], ['dev_mail']);
    expect(holders).toEqual([]);
    const proof = await keyturn.repositories.consentRecords.listForClearance(granted.clearance.id);
    expect(proof.map((r) => r.occasion)).toEqual(['journey', 'account_deleted']);
    expect(proof.every((r) => /^erased[0-9a-f]{11}$/.test(r.vin))).toBe(true);
    const again = await signIn(newBrowser(), email);
    expect(again.status).toBe(400);
    // The server's log never held them either (it did log this owner's requests).
    const logged = log.join('');
    expect(logged).toContain('/account/delete');
    for (const value of [email, encodeURIComponent(email), vin]) expect(logged).not.toContain(value);
  });
});

/** Every table (but `except`) with a row that contains any of `values` anywhere. */
async function tablesNaming(keyturn: RunningKeyturn, values: string[], except: string[]): Promise<string[]> {
  const knex = keyturn.database.query();
  const tables: string[] =
    keyturn.database.engine === 'postgres'
      ? (
          await knex.raw(
            "select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'",
          )
        ).rows.map((row: { name: string }) => row.name)
      : (await knex.raw("select name from sqlite_master where type = 'table'")).map(
          (row: { name: string }) => row.name,
        );
  expect(tables).toContain('accounts');
  const holders: string[] = [];
  for (const table of tables.filter((name) => !except.includes(name))) {
    const rows = await knex(table).select('*');
    const text = JSON.stringify(rows, (_key, value) =>
      Buffer.isBuffer(value) ? value.toString('utf8') : value,
    );
    if (values.some((value) => text.includes(value))) holders.push(table);
  }
  return holders;
}
