// The fleet Platform in headless Chromium, on a phone and on a desktop screen, in English and German: the
// admin signs in with the password set from the mailed link, opens the overview, a vehicle's page, the
// disconnect confirmation, the registration form and the fleet's users. Each page passes axe-core's
// WCAG 2.1 A/AA rules and never scrolls sideways on a phone; screenshots are kept in the OS temp folder.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessibilityViolations,
  desktop,
  expectToFitPhone,
  openBrowser,
  phone,
} from '../support/chromium.ts';
import { fleetVins, registerTestFleet, type TestFleet } from '../support/fleet.ts';
import { newBrowser, passwordLinkFor } from '../support/journey.ts';
import { type RunningKeyturn, startKeyturn } from '../support/keyturn.ts';

describe('fleet Platform in headless Chromium', () => {
  let keyturn: RunningKeyturn;
  let fleet: TestFleet;
  const email = 'chromium.admin@rent-a-fleet.example';
  const password = 'fleet platform passphrase 42';

  beforeAll(async () => {
    keyturn = await startKeyturn();
    fleet = await registerTestFleet(keyturn, { name: 'Rent-a-Fleet', adminEmail: email });
    await fleet.call('POST', '/v1/fleet/vehicles', {
      vehicles: [
        { tracker_id: fleetVins.bmw, provider: 'bmw', type: 'oem', object_id: { license_plate: 'M-KT 1' } },
        {
          tracker_id: 'TGA-310001',
          provider: 'targa',
          type: 'canbus',
          object_id: { make: 'Ford', model: 'Transit' },
        },
      ],
    });
    await keyturn.worker.drain();
    const setter = newBrowser();
    await setter.submit(await setter.follow(await passwordLinkFor(keyturn.url, email)), { password });
  });
  afterAll(async () => {
    await keyturn?.close();
  });

  it('the accessibility check › finds an image without alt text and an unlabelled field (it can fail)', async () => {
    const browser = await openBrowser(desktop);
    try {
      await browser.page.setContent(
        '<html lang="en"><title>x</title><main><img src="x.png"><input></main></html>',
      );
      const violations = await accessibilityViolations(browser.page);
      expect(violations.some((v) => v.startsWith('image-alt'))).toBe(true);
      expect(violations.some((v) => v.startsWith('label'))).toBe(true);
    } finally {
      await browser.close();
    }
  });

  for (const [screen, viewport] of [
    ['phone', phone],
    ['desktop', desktop],
  ] as const) {
    for (const locale of ['en', 'de'] as const) {
      it(`GET /platform (${screen}, ${locale}) › sign-in, overview, a vehicle and the disconnect step pass axe and fit the screen`, async () => {
        const browser = await openBrowser(viewport);
        try {
          const { page } = browser;
          const visit = async (name: string) => {
            expect(await accessibilityViolations(page)).toEqual([]);
            if (viewport === phone) await expectToFitPhone(page, `platform-${name}-${locale}`);
          };
          await page.goto(`${keyturn.url}/platform/sign-in?lang=${locale}`);
          expect(await page.getAttribute('html', 'lang')).toBe(locale);
          await visit('sign-in');
          await page.fill('input[name=email]', email);
          await page.fill('input[name=password]', password);
          await page.click('form button.primary[type=submit]');
          await page.waitForURL(/\/platform$/);
          await visit('overview');
          await page.click(`a[href^="/platform/vehicles/"]:has-text("${fleetVins.bmw}")`);
          await page.waitForURL(/\/platform\/vehicles\/veh_/);
          await visit('vehicle');
          await page.click('a[href$="/remove"]');
          await page.waitForURL(/\/remove$/);
          await visit('remove');
          await page.goto(`${keyturn.url}/platform/vehicles/new`);
          await visit('register-choose');
          await page.check('input[name=provider][value=mercedes-benz]');
          await page.click('form button.primary[type=submit]');
          await page.waitForURL(/provider=mercedes-benz/);
          await visit('register-mercedes');
          await page.goto(`${keyturn.url}/platform/members`);
          await visit('members');
        } finally {
          await browser.close();
        }
      });
    }
  }
});
