// The journey's limits on everything that sends mail or asks a maker: code mails per client address and
// per email address, consents per client address, account, VIN and app. A limited step answers 429 with
// Retry-After and a localized page, and sends nothing.
import { describe, expect, it } from 'vitest';
import { clearanceRequestJob } from '../../src/relay/request-clearance.ts';
import { createTestDatabase, testEngine } from '../support/database.ts';
import type { HttpBrowser, Page } from '../support/http-browser.ts';
import { textOf } from '../support/http-browser.ts';
import { bmwVin, interactionBase, mailsTo, newBrowser, stepOf, walkAsNewOwner } from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp, startKeyturn } from '../support/keyturn.ts';
import { message } from '../support/locales.ts';
import { authorizationRequest, discover } from '../support/relying-party.ts';

/** The configured defaults, not the raised limits the other tests run with (an empty value means unset). */
const defaultLimits = {
  CODE_MAILS_PER_ADDRESS: '',
  CODE_MAILS_PER_EMAIL: '',
  CONSENTS_PER_ADDRESS: '',
  CONSENTS_PER_ACCOUNT: '',
  CONSENTS_PER_VIN: '',
  CONSENTS_PER_APP: '',
};

async function withKeyturn(env: Record<string, string>, work: (keyturn: RunningKeyturn) => Promise<void>) {
  const keyturn = await startKeyturn({ ...defaultLimits, ...env });
  try {
    await work(keyturn);
  } finally {
    await keyturn.close();
  }
}

async function accountStep(keyturn: RunningKeyturn, browser: HttpBrowser): Promise<Page> {
  const config = await discover(keyturn.url, await registerTestApp(keyturn));
  const landing = await browser.follow((await authorizationRequest(config)).url);
  return browser.follow(`${interactionBase(landing)}/account`);
}

async function askForCode(keyturn: RunningKeyturn, email: string, address?: string): Promise<Page> {
  const browser = newBrowser();
  if (address) browser.extraHeaders = { 'x-forwarded-for': address };
  return browser.submit(await accountStep(keyturn, browser), { email, country: 'DE', accept_terms: 'yes' });
}

function expectLimited(page: Page, key: string) {
  expect(page.status).toBe(429);
  expect(Number(page.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(textOf(page.html)).toContain(message('en', key));
}

describe('journey limits', () => {
  it('POST /interaction/:uid/account › the 21st account creation from one address within the hour gets 429 and no mail', async () => {
    await withKeyturn({}, async (keyturn) => {
      for (let n = 1; n <= 20; n++)
        expect(stepOf(await askForCode(keyturn, `many${n}@example.com`))).toBe('verify');
      const limited = await askForCode(keyturn, 'many21@example.com');
      expectLimited(limited, 'journey:errors.code_mails_throttled');
      expect(stepOf(limited)).toBe('account');
      expect(await mailsTo(keyturn.url, 'many21@example.com')).toEqual([]);
    });
  });

  it('POST /interaction/:uid/account › the sixth code mail to one email address within the hour gets 429, from any address', async () => {
    await withKeyturn({ TRUST_PROXY: 'true' }, async (keyturn) => {
      const email = 'flooded@example.com';
      for (let n = 1; n <= 5; n++) {
        expect(stepOf(await askForCode(keyturn, email, `203.0.113.${n}`))).toBe('verify');
      }
      expectLimited(await askForCode(keyturn, email, '203.0.113.99'), 'journey:errors.code_mails_throttled');
      expect(await mailsTo(keyturn.url, email)).toHaveLength(5);
    });
  });

  it('POST /interaction/:uid/account › in German, the limited page is German', async () => {
    await withKeyturn({ CODE_MAILS_PER_EMAIL: '1' }, async (keyturn) => {
      await askForCode(keyturn, 'einmal@example.com');
      const browser = newBrowser('de');
      const limited = await browser.submit(await accountStep(keyturn, browser), {
        email: 'einmal@example.com',
        country: 'DE',
        accept_terms: 'yes',
      });
      expect(limited.status).toBe(429);
      expect(textOf(limited.html)).toContain(message('de', 'journey:errors.code_mails_throttled'));
    });
  });

  it.each([
    ['VIN', { CONSENTS_PER_VIN: '1' }, (n: number) => ({ email: `vin${n}@example.com`, vin: bmwVin })],
    ['account', { CONSENTS_PER_ACCOUNT: '1' }, () => ({ email: 'same.owner@example.com', vin: undefined })],
    ['app', { CONSENTS_PER_APP: '1' }, (n: number) => ({ email: `app${n}@example.com`, vin: undefined })],
    [
      'client address',
      { CONSENTS_PER_ADDRESS: '1' },
      (n: number) => ({ email: `addr${n}@example.com`, vin: undefined }),
    ],
  ])(
    'POST /interaction/:uid/permissions › a second consent for one %s within the window gets 429: no clearance, no maker request',
    async (_, env, owner) => {
      await withKeyturn(env, async (keyturn) => {
        const config = await discover(keyturn.url, await registerTestApp(keyturn));
        const vins = ['WBA8E9G50GNT11111', 'WBA8E9G50GNT22222'];
        const first = await walkAsNewOwner(newBrowser(), (await authorizationRequest(config)).url, {
          ...owner(1),
          vin: owner(1).vin ?? vins[0],
        });
        expect(new URL(first.url).searchParams.get('code')).toBeTruthy();
        const limited = await walkAsNewOwner(newBrowser(), (await authorizationRequest(config)).url, {
          ...owner(2),
          vin: owner(2).vin ?? vins[1],
        });
        expectLimited(limited, 'journey:errors.consents_throttled');
        expect(stepOf(limited)).toBe('permissions');
        const jobs = await keyturn.database
          .query()('outbox')
          .where({ kind: clearanceRequestJob })
          .count({ n: '*' });
        expect(Number(jobs[0]?.n)).toBe(1);
        expect(Number((await keyturn.database.query()('clearances').count({ n: '*' }))[0]?.n)).toBe(1);
      });
    },
  );

  it('POST /interaction/:uid/account › on PostgreSQL every instance counts the same code mails; on SQLite each server its own', async () => {
    const database = await createTestDatabase();
    const limits = { ...defaultLimits, CODE_MAILS_PER_EMAIL: '2' };
    const first = await startKeyturn(limits, database);
    const second = await startKeyturn(limits, database);
    try {
      const email = 'shared.limit@example.com';
      expect(stepOf(await askForCode(first, email))).toBe('verify');
      expect(stepOf(await askForCode(first, email))).toBe('verify');
      expect((await askForCode(second, email)).status).toBe(testEngine() === 'postgres' ? 429 : 200);
    } finally {
      await second.close();
      await first.close();
      await database.drop();
    }
  });
});
