// "Register many" on the fleet Platform over real HTTP, as a fleet admin's browser uses it: the template,
// a preview of pasted or uploaded CSV text that runs every row through the fleet API's checks and stores
// nothing, and the confirmation that registers only the good rows. What was stored is read back through
// the fleet API. Also: duplicates within the text, German semicolon exports with a byte order mark, the row
// limit, CSRF, German pages, and the preview on a phone in Chromium (axe-core, no sideways scrolling).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityViolations, expectToFitPhone, openBrowser } from '../support/chromium.ts';
import { registerTestFleet, type TestFleet } from '../support/fleet.ts';
import { formOf, type HttpBrowser, type Page, textOf } from '../support/http-browser.ts';
import { newBrowser, passwordLinkFor } from '../support/journey.ts';
import { type RunningKeyturn, startKeyturn } from '../support/keyturn.ts';
import { message } from '../support/locales.ts';

const header = 'tracker_id,provider,type,license_plate,make,model,vin,odometer';

/** Five rows the fleet API accepts and one it refuses (an unknown provider), with tracker ids of `prefix`. */
function fiveGoodOneBad(prefix: string) {
  const good = [
    `${prefix}-1,targa,,B-KT 1,Ford,Transit,,`,
    `${prefix}-2,targa,canbus,B-KT 2,,,,`,
    `${prefix}-3,astrata,,,,,VF3AAAAAAAA100003,12000`,
    `${prefix}-4,cartrack,,,,,,`,
    `${prefix}-5,silence,oem,,Silence,S01,,`,
  ];
  const bad = `${prefix}-6,tesla,,,,,,`;
  return {
    trackers: [1, 2, 3, 4, 5].map((n) => `${prefix}-${n}`),
    badTracker: `${prefix}-6`,
    csv: [header, ...good.slice(0, 3), bad, ...good.slice(3)].join('\n'),
  };
}

const count = (html: string, fragment: string) => html.split(fragment).length - 1;

describe('fleet Platform › Register many (CSV)', () => {
  let keyturn: RunningKeyturn;
  let fleet: TestFleet;
  let admin: HttpBrowser;
  const adminEmail = 'import.admin@rent-a-fleet.example';
  const password = 'fleet platform passphrase 42';

  async function signedIn(locale: 'en' | 'de'): Promise<HttpBrowser> {
    const browser = newBrowser(locale);
    const signIn = await browser.follow(`${keyturn.url}/platform/sign-in`);
    const overview = await browser.submit(signIn, { email: adminEmail, password });
    expect(new URL(overview.url).pathname).toBe('/platform');
    return browser;
  }

  const open = (browser: HttpBrowser, path: string) => browser.follow(`${keyturn.url}${path}`);

  /** Pastes `csv` into the import form and asks for the preview. */
  async function preview(browser: HttpBrowser, csv: string): Promise<Page> {
    const page = await open(browser, '/platform/vehicles/import');
    const { action, hidden } = formOf(page, '/platform/vehicles/import');
    return browser.follow(action, { method: 'POST', form: { csrf: hidden.csrf, csv } });
  }

  const confirm = (browser: HttpBrowser, page: Page) => browser.submit(page, {}, '/import/confirm');

  const found = async (tracker: string) =>
    (await fleet.call('GET', `/v1/fleet/vehicles?q=${encodeURIComponent(tracker)}`)).body.vehicles as {
      tracker_id: string;
      object_id: Record<string, string>;
    }[];
  const pendingCount = async () =>
    (await fleet.call('GET', '/v1/fleet/vehicles?limit=1')).body.counts.pending as number;

  beforeAll(async () => {
    keyturn = await startKeyturn();
    fleet = await registerTestFleet(keyturn, { name: 'Rent-a-Fleet', adminEmail });
    await keyturn.worker.drain();
    const setter = newBrowser();
    const form = await setter.follow(await passwordLinkFor(keyturn.url, adminEmail));
    expect((await setter.submit(form, { password })).status).toBe(200);
    admin = await signedIn('en');
  });
  afterAll(async () => {
    await keyturn?.close();
  });

  it('GET /platform/vehicles/import › explains the columns and providers, links the template and "Register one"', async () => {
    const overview = await open(admin, '/platform');
    expect(overview.html).toContain('href="/platform/vehicles/import"');
    const page = await open(admin, '/platform/vehicles/import');
    expect(page.status).toBe(200);
    const text = textOf(page.html);
    expect(text).toContain(message('en', 'platform_import:heading'));
    for (const column of header.split(','))
      expect(text).toContain(message('en', `platform_import:columns.${column}`));
    expect(text).toContain(message('en', 'platform_import:columns.type'));
    expect(text).toContain(message('en', 'platform:providers.mercedes-benz'));
    expect(page.html).toContain('href="/platform/vehicles/import/template.csv"');
    expect(page.html).toContain('href="/platform/vehicles/new"');
  });

  it('GET /platform/vehicles/import/template.csv › a CSV attachment whose two example rows preview without problems', async () => {
    const answer = await admin.request(`${keyturn.url}/platform/vehicles/import/template.csv`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(answer.headers.get('content-disposition')).toMatch(
      /^attachment; filename="keyturn-vehicles\.csv"/,
    );
    const lines = answer.html.split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(header);
    expect(lines[3]).toBe('');
    const before = await pendingCount();
    const page = await preview(admin, answer.html);
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toContain(
      message('en', 'platform_import:preview.summary', { total: '2', good: '2', bad: '0' }),
    );
    expect(count(page.html, 'class="row-problems"')).toBe(0);
    expect(await pendingCount()).toBe(before);
    // In German the template is separated by semicolons, as a German spreadsheet opens it.
    const german = await signedIn('de');
    const germanTemplate = await german.request(`${keyturn.url}/platform/vehicles/import/template.csv`);
    expect(germanTemplate.html.split('\r\n')[0]).toBe(header.replaceAll(',', ';'));
    expect(textOf((await preview(german, germanTemplate.html)).html)).toContain(
      message('de', 'platform_import:preview.summary', { total: '2', good: '2', bad: '0' }),
    );
  });

  it("POST /platform/vehicles/import › previews each row's problems and stores nothing", async () => {
    const { csv, trackers, badTracker } = fiveGoodOneBad('TGA-PREVIEW');
    const before = await pendingCount();
    const page = await preview(admin, csv);
    expect(page.status).toBe(200);
    const text = textOf(page.html);
    expect(text).toContain(
      message('en', 'platform_import:preview.summary', { total: '6', good: '5', bad: '1' }),
    );
    expect(count(page.html, 'class="row-problems"')).toBe(1);
    expect(count(page.html, 'class="row-ok"')).toBe(5);
    expect(count(text, message('en', 'fleets:problems.unknown_provider'))).toBe(1);
    // The bad row is line 5 of the text (the header is line 1): its problem sits in that row.
    const badRow = /<tr>\s*<th scope="row">5<\/th>([\s\S]*?)<\/tr>/.exec(page.html)?.[1] ?? '';
    expect(textOf(badRow)).toContain(message('en', 'fleets:problems.unknown_provider'));
    expect(badRow).toContain(badTracker);
    // The provider's own type fills an empty type column.
    expect(text).toContain(`canbus (${message('en', 'platform_import:preview.provider_type')})`);
    expect(text).toContain(message('en', 'platform_import:preview.register_vehicles', { count: '5' }));
    expect(formOf(page, '/import/confirm').hidden.csv).toBe(csv);
    for (const tracker of [...trackers, badTracker]) expect(await found(tracker)).toEqual([]);
    expect(await pendingCount()).toBe(before);
  });

  it('POST /platform/vehicles/import/confirm › registers the five good rows and not the bad one; the overview says so', async () => {
    const { csv, trackers, badTracker } = fiveGoodOneBad('TGA-CONFIRM');
    const before = await pendingCount();
    const overview = await confirm(admin, await preview(admin, csv));
    expect(overview.status).toBe(200);
    const url = new URL(overview.url);
    expect(url.pathname).toBe('/platform');
    expect(url.searchParams.get('registered')).toBe('5');
    const text = textOf(overview.html);
    expect(text).toContain(message('en', 'platform_import:done.summary', { registered: '5', existing: '0' }));
    expect(text).toContain(message('en', 'platform_import:done.skipped', { skipped: '1' }));
    for (const tracker of trackers)
      expect((await found(tracker)).map((v) => v.tracker_id)).toEqual([tracker]);
    expect(await found(badTracker)).toEqual([]);
    expect(await pendingCount()).toBe(before + 5);
    const [first] = await found(trackers[0] as string);
    expect(first?.object_id).toEqual({ license_plate: 'B-KT 1', make: 'Ford', model: 'Transit' });
  });

  it('POST /platform/vehicles/import/confirm › confirming again reports them as already registered and creates nothing', async () => {
    const { csv, trackers } = fiveGoodOneBad('TGA-AGAIN');
    const page = await preview(admin, csv);
    await confirm(admin, page);
    const before = await pendingCount();
    const again = await confirm(admin, page);
    expect(textOf(again.html)).toContain(
      message('en', 'platform_import:done.summary', { registered: '0', existing: '5' }),
    );
    expect(await pendingCount()).toBe(before);
    for (const tracker of trackers) expect(await found(tracker)).toHaveLength(1);
  });

  it('POST /platform/vehicles/import › a tracker twice in the text is a problem on its second line; only the first registers', async () => {
    const csv = [
      header,
      'TGA-TWICE-1,targa,,B-KT 11,,,,',
      'TGA-TWICE-2,targa,,,,,,',
      'TGA-TWICE-1,targa,,B-KT 12,,,,',
    ].join('\n');
    const page = await preview(admin, csv);
    const text = textOf(page.html);
    expect(text).toContain(
      message('en', 'platform_import:preview.summary', { total: '3', good: '2', bad: '1' }),
    );
    const second = /<tr>\s*<th scope="row">4<\/th>([\s\S]*?)<\/tr>/.exec(page.html)?.[1] ?? '';
    expect(textOf(second)).toContain(
      message('en', 'platform_import:problems.duplicate_tracker_id', { first: '2' }),
    );
    await confirm(admin, page);
    const [registered, ...others] = await found('TGA-TWICE-1');
    expect(others).toEqual([]);
    expect(registered?.object_id.license_plate).toBe('B-KT 11');
  });

  it('POST /platform/vehicles/import › a German export (semicolons, byte order mark, CRLF, quoted fields) is read', async () => {
    const csv =
      '\uFEFFtracker_id;provider;type;license_plate;make;model;vin;odometer\r\n' +
      'TGA-SEMI-1;targa;;"B-KT 21";"Ford; Tourneo";"Transit ""Custom""";;\r\n' +
      'TGA-SEMI-2;astrata;obd;;;;;"48213"\r\n';
    const page = await preview(admin, csv);
    expect(page.status).toBe(200);
    const text = textOf(page.html);
    expect(text).toContain(
      message('en', 'platform_import:preview.summary', { total: '2', good: '2', bad: '0' }),
    );
    expect(text).toContain('Ford; Tourneo');
    await confirm(admin, page);
    const [vehicle] = await found('TGA-SEMI-1');
    expect(vehicle?.object_id).toEqual({
      license_plate: 'B-KT 21',
      make: 'Ford; Tourneo',
      model: 'Transit "Custom"',
    });
    const [second] = (await found('TGA-SEMI-2')) as unknown as { odometer: number }[];
    expect(second?.odometer).toBe(48213);
  });

  it('POST /platform/vehicles/import › a CSV file uploaded (Windows-1252 from Excel) previews; a workbook is refused', async () => {
    const page = await open(admin, '/platform/vehicles/import');
    // The first import form is the file's (multipart); the header's sign-out form comes before it.
    const upload = '/platform/vehicles/import';
    expect(formOf(page, upload).action).toBe(`${keyturn.url}${upload}`);
    expect(page.html).toContain('enctype="multipart/form-data"');
    const bytes = Buffer.from(`${header}\r\nTGA-FILE-1,targa,,,Müller,,,\r\n`, 'latin1');
    const previewed = await admin.upload(
      page,
      {},
      { file: { name: 'fleet.csv', type: 'text/csv', bytes } },
      upload,
    );
    expect(previewed.status).toBe(200);
    expect(textOf(previewed.html)).toContain('Müller');
    expect(formOf(previewed, '/import/confirm').hidden.csv).toContain('Müller');
    const workbook = Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(64)]);
    const refused = await admin.upload(
      page,
      {},
      {
        file: { name: 'fleet.xlsx', type: 'application/vnd.ms-excel', bytes: workbook },
      },
      upload,
    );
    expect(refused.status).toBe(400);
    expect(textOf(refused.html)).toContain(message('en', 'platform_import:errors.not_csv'));
  });

  it('POST /platform/vehicles/import › Mercedes-Benz rows carry the API’s certificate problem and lead to "Register one"', async () => {
    const csv = `${header}\nWDD2050041F100002,mercedes-benz,,,,,,48213`;
    const page = await preview(admin, csv);
    const text = textOf(page.html);
    expect(text).toContain(
      message('en', 'fleets:problems.registration_document_required', { provider: 'mercedes-benz' }),
    );
    expect(text).toContain(message('en', 'platform_import:preview.register_one'));
    expect(page.html).toContain('href="/platform/vehicles/new"');
    expect(page.html).not.toContain('action="/platform/vehicles/import/confirm"');
    // Posting the confirmation anyway registers nothing.
    const { hidden } = formOf(page, '/platform/vehicles/import');
    const forced = await admin.request(`${keyturn.url}/platform/vehicles/import/confirm`, {
      form: { csrf: hidden.csrf, csv },
    });
    expect(forced.status).toBe(400);
    expect(textOf(forced.html)).toContain(message('en', 'platform_import:errors.nothing_to_register'));
    expect(await found('WDD2050041F100002')).toEqual([]);
  });

  it('POST /platform/vehicles/import › more than 1,000 rows are refused with the limit; a bad header names the columns', async () => {
    const rows = Array.from({ length: 1001 }, (_, n) => `TGA-MANY-${n},targa,,,,,,`);
    const page = await preview(admin, [header, ...rows].join('\n'));
    expect(page.status).toBe(400);
    const html = page.html;
    expect(html).toContain('role="alert"');
    expect(textOf(html)).toContain(
      message('en', 'platform_import:errors.too_many_rows', { count: '1001', max: '1000' }),
    );
    expect(html).not.toContain('action="/platform/vehicles/import/confirm"');
    expect(await found('TGA-MANY-0')).toEqual([]);
    // Exactly 1,000 are fine.
    const thousand = await preview(admin, [header, ...rows.slice(0, 1000)].join('\n'));
    expect(thousand.status).toBe(200);
    expect(textOf(thousand.html)).toContain(
      message('en', 'platform_import:preview.summary', { total: '1000', good: '1000', bad: '0' }),
    );
    const unknown = await preview(admin, 'tracker_id,provider,licence_plate\nTGA-X,targa,B-KT 1');
    expect(unknown.status).toBe(400);
    expect(textOf(unknown.html)).toContain(
      message('en', 'platform_import:errors.unknown_column', { column: 'licence_plate', columns: header }),
    );
  });

  it('POST /platform/vehicles/import and /confirm › without the CSRF token → 403 and nothing stored; signed out → sign-in', async () => {
    const { csv, trackers } = fiveGoodOneBad('TGA-CSRF');
    for (const path of ['/platform/vehicles/import', '/platform/vehicles/import/confirm']) {
      const answer = await admin.request(`${keyturn.url}${path}`, { form: { csv } });
      expect(answer.status).toBe(403);
    }
    for (const tracker of trackers) expect(await found(tracker)).toEqual([]);
    const stranger = newBrowser();
    const page = await stranger.request(`${keyturn.url}/platform/vehicles/import`);
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/platform/sign-in');
  });

  it('GET and POST /platform/vehicles/import in German › the page, the problems and the overview’s notice in German', async () => {
    const german = await signedIn('de');
    const page = await open(german, '/platform/vehicles/import');
    const text = textOf(page.html);
    expect(text).toContain(message('de', 'platform_import:heading'));
    expect(text).toContain(message('de', 'platform_import:columns.type'));
    const previewed = await preview(
      german,
      `${header}\nTGA-DE-1,targa,,,,,,\nWDD2050041F100002,mercedes-benz,,,,,,`,
    );
    const previewText = textOf(previewed.html);
    expect(previewText).toContain(
      message('de', 'platform_import:preview.summary', { total: '2', good: '1', bad: '1' }),
    );
    expect(previewText).toContain(
      message('de', 'fleets:problems.registration_document_required', { provider: 'mercedes-benz' }),
    );
    expect(previewText).toContain(message('de', 'platform_import:preview.register_one_vehicle'));
    const overview = await confirm(german, previewed);
    expect(textOf(overview.html)).toContain(
      message('de', 'platform_import:done.summary', { registered: '1', existing: '0' }),
    );
  });

  it('POST /platform/vehicles/import on a phone in Chromium › the page and a preview pass axe and never scroll sideways', async () => {
    const browser = await openBrowser();
    try {
      const { page } = browser;
      await page.goto(`${keyturn.url}/platform/sign-in?lang=en`);
      await page.fill('input[name=email]', adminEmail);
      await page.fill('input[name=password]', password);
      await page.click('form button.primary[type=submit]');
      await page.waitForURL(/\/platform$/);
      await page.goto(`${keyturn.url}/platform/vehicles/import`);
      expect(await accessibilityViolations(page)).toEqual([]);
      await expectToFitPhone(page, 'platform-import');
      const { csv } = fiveGoodOneBad('TGA-PHONE');
      await page.fill('textarea[name=csv]', `${csv}\nWDD2050041F100002,mercedes-benz,,,,,,`);
      await page.click('form:has(textarea) button[type=submit]');
      await page.waitForSelector('#preview-heading');
      expect(await accessibilityViolations(page)).toEqual([]);
      await expectToFitPhone(page, 'platform-import-preview');
    } finally {
      await browser.close();
    }
  });
});
