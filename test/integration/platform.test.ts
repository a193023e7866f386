// The fleet Platform over real HTTP, as a fleet admin's browser uses it: the mailed set-password link, the
// sign-in, the overview by status category, a vehicle's page and its actions (validate, correct the tracker
// id, disconnect after confirming), in English and German; and one fleet's user never reaching another's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetVins, pdfBytes, pngBytes, registerTestFleet, type TestFleet } from '../support/fleet.ts';
import { type HttpBrowser, textOf } from '../support/http-browser.ts';
import { mailsTo, newBrowser, passwordLinkFor } from '../support/journey.ts';
import type { RunningKeyturn } from '../support/keyturn.ts';
import { message } from '../support/locales.ts';
import { type OemWorld, portalLink, startKeyturnWithOem, startOemWorld } from '../support/relay.ts';

describe('fleet Platform', () => {
  let world: OemWorld;
  let keyturn: RunningKeyturn;
  let fleet: TestFleet;
  let admin: HttpBrowser;
  const adminEmail = 'platform.admin@rent-a-fleet.example';
  const otherEmail = 'platform.admin@other-fleet.example';
  const password = 'fleet platform passphrase 42';

  async function settle() {
    for (let round = 0; round < 3; round++) {
      await keyturn.worker.drain();
      await world.simulator.knobs.pendingDeliveries();
    }
  }

  /** Sets the admin's password from the mailed link and signs in; returns the signed-in browser. */
  async function signedInAdmin(email: string): Promise<HttpBrowser> {
    await keyturn.worker.drain();
    const browser = newBrowser();
    const form = await browser.follow(await passwordLinkFor(keyturn.url, email));
    const done = await browser.submit(form, { password });
    expect(done.status).toBe(200);
    expect(done.html).toContain('href="/platform/sign-in"');
    const signIn = await browser.follow(`${keyturn.url}/platform/sign-in`);
    const overview = await browser.submit(signIn, { email, password });
    expect(overview.status).toBe(200);
    expect(new URL(overview.url).pathname).toBe('/platform');
    return browser;
  }

  const register = (as: TestFleet, vehicles: unknown[]) =>
    as.call('POST', '/v1/fleet/vehicles', { vehicles });
  const open = (browser: HttpBrowser, path: string) => browser.follow(`${keyturn.url}${path}`);
  const vehicleIdOf = async (as: TestFleet, tracker: string) =>
    (await as.call('GET', `/v1/fleet/vehicles?q=${tracker}`)).body.vehicles[0].id as string;

  beforeAll(async () => {
    world = await startOemWorld();
    keyturn = await startKeyturnWithOem(world);
    fleet = await registerTestFleet(keyturn, { name: 'Rent-a-Fleet', adminEmail });
    await registerTestFleet(keyturn, { name: 'Other Fleet', adminEmail: otherEmail });
    await register(fleet, [
      {
        tracker_id: fleetVins.bmw,
        provider: 'bmw',
        type: 'oem',
        object_id: { license_plate: 'M-KT 1', model: 'i4' },
      },
      { tracker_id: 'WBA8E9G50GN000000', provider: 'bmw', type: 'oem' },
      { tracker_id: 'TGA-210001', provider: 'targa', type: 'canbus', object_id: { license_plate: 'B-KT 2' } },
    ]);
    admin = await signedInAdmin(adminEmail);
  });
  afterAll(async () => {
    await keyturn?.close();
    await world?.simulator.close();
  });

  it('keyturn fleets add › the admin is mailed a set-password link; after it, the Platform signs them in', async () => {
    const page = await open(admin, '/platform');
    expect(textOf(page.html)).toContain('Rent-a-Fleet');
  });

  it('GET /platform › vehicles grouped by category with counts, plate and status in words, filters and search', async () => {
    const page = await open(admin, '/platform?category=pending');
    const text = textOf(page.html);
    expect(text).toContain(`${message('en', 'platform:category.pending')} 3`);
    expect(text).toContain(`${message('en', 'platform:category.connected')} 0`);
    expect(text).toContain('M-KT 1');
    expect(text).toContain(message('en', 'platform:status.pending.next'));
    const searched = textOf((await open(admin, '/platform?category=pending&q=b-kt%202')).html);
    expect(searched).toContain('TGA-210001');
    expect(searched).not.toContain(fleetVins.bmw);
    const byProvider = textOf((await open(admin, '/platform?category=pending&provider=targa')).html);
    expect(byProvider).toContain('TGA-210001');
    expect(byProvider).not.toContain(fleetVins.bmw);
    const refused = await open(admin, '/platform?category=pending&provider=tesla');
    expect(refused.status).toBe(200);
    expect(textOf(refused.html)).toContain(message('en', 'fleets:problems.unknown_provider'));
  });

  it('a vehicle’s page › validate, the admin approves at the maker, and it shows as connected with its timeline', async () => {
    const id = await vehicleIdOf(fleet, fleetVins.bmw);
    const page = await open(admin, `/platform/vehicles/${id}`);
    expect(page.status).toBe(200);
    const validated = await admin.submit(page, {}, '/validate');
    expect(new URL(validated.url).search).toBe('?done=validated');
    expect(textOf(validated.html)).toContain(message('en', 'platform:status.pending_validation.label'));
    await settle();
    const portal = newBrowser();
    await portal.submit(await portal.follow(portalLink(world, adminEmail, fleetVins.bmw)), {
      decision: 'approve',
    });
    await settle();
    const after = textOf((await open(admin, `/platform/vehicles/${id}`)).html);
    expect(after).toContain(message('en', 'platform:status.connected.label'));
    expect(after).toContain(message('en', 'platform:reasons.oem_first_position'));
    expect(textOf((await open(admin, '/platform?category=connected')).html)).toContain(fleetVins.bmw);
  });

  it('wrong_tracker_id › the page says to correct the VIN; a bad one is refused on the field, a good one saved and validated', async () => {
    const id = await vehicleIdOf(fleet, 'WBA8E9G50GN000000');
    const page = await open(admin, `/platform/vehicles/${id}`);
    await admin.submit(page, {}, '/validate');
    await settle();
    const wrong = await open(admin, `/platform/vehicles/${id}`);
    expect(textOf(wrong.html)).toContain(message('en', 'platform:status.wrong_tracker_id.next'));
    const refused = await admin.submit(wrong, { tracker_id: 'WBA8E9G50GNTIOQ12' }, '/tracker-id');
    expect(refused.status).toBe(400);
    expect(textOf(refused.html)).toContain(message('en', 'fleets:problems.tracker_id.vin_characters'));
    const saved = await admin.submit(wrong, { tracker_id: 'wba8e9g50gnt21077' }, '/tracker-id');
    expect(new URL(saved.url).search).toBe('?done=corrected');
    expect(textOf(saved.html)).toContain('WBA8E9G50GNT21077');
    const again = await admin.submit(saved, {}, '/validate');
    expect(textOf(again.html)).toContain(message('en', 'platform:status.pending_validation.label'));
  });

  it('POST /platform/vehicles/{id}/details › plate, make and model saved; a bad odometer refused and nothing changed', async () => {
    const id = await vehicleIdOf(fleet, fleetVins.bmw);
    const page = await open(admin, `/platform/vehicles/${id}`);
    const refused = await admin.submit(page, { license_plate: 'M-XX 9', odometer: 'far' }, '/details');
    expect(refused.status).toBe(400);
    expect(textOf(refused.html)).toContain(message('en', 'fleets:problems.invalid_odometer'));
    expect((await fleet.call('GET', `/v1/fleet/vehicles/${id}`)).body.object_id.license_plate).toBe('M-KT 1');
    const saved = await admin.submit(
      page,
      { license_plate: 'M-KT 100', make: 'BMW', model: 'i4 eDrive40', odometer: '1200' },
      '/details',
    );
    expect(new URL(saved.url).search).toBe('?done=details');
    expect((await fleet.call('GET', `/v1/fleet/vehicles/${id}`)).body).toMatchObject({
      object_id: { license_plate: 'M-KT 100', make: 'BMW', model: 'i4 eDrive40' },
      odometer: 1200,
    });
  });

  it('disconnect › asks for confirmation first; confirmed, the vehicle is disconnected and keeps its history', async () => {
    const id = await vehicleIdOf(fleet, 'TGA-210001');
    const confirm = await open(admin, `/platform/vehicles/${id}/remove`);
    expect(textOf(confirm.html)).toContain(message('en', 'platform:remove.explanation'));
    expect((await fleet.call('GET', `/v1/fleet/vehicles/${id}`)).body.validation_status).toBe('pending');
    const done = await admin.submit(confirm, {});
    expect(new URL(done.url).search).toBe('?done=removed');
    expect((await fleet.call('GET', `/v1/fleet/vehicles/${id}`)).body.validation_status).toBe('disconnected');
    expect(textOf((await open(admin, '/platform?category=disconnected')).html)).toContain('TGA-210001');
  });

  describe('register one', () => {
    const files = (bytes: Buffer, type: string, name: string) => ({ certificate: { name, type, bytes } });

    it('GET /platform/vehicles/new › the provider first; a BMW asks for the VIN only, a bad one is refused on its field', async () => {
      const choose = await open(admin, '/platform/vehicles/new');
      expect(textOf(choose.html)).toContain(message('en', 'platform:new.choose_heading'));
      const form = await open(admin, '/platform/vehicles/new?provider=bmw');
      expect(form.html).toContain('name="tracker_id"');
      expect(form.html).not.toContain('name="odometer"');
      expect(form.html).not.toContain('name="certificate"');
      const refused = await admin.upload(form, { tracker_id: 'WBA8E9G50GNTIOQ01' }, {});
      expect(refused.status).toBe(400);
      expect(textOf(refused.html)).toContain(message('en', 'fleets:problems.tracker_id.vin_characters'));
      const registered = await admin.upload(
        form,
        { tracker_id: 'WBA8E9G50GNT31001', license_plate: 'M-KT 31' },
        {},
      );
      expect(new URL(registered.url).search).toBe('?done=registered');
      expect(textOf(registered.html)).toContain('M-KT 31');
      const again = await admin.upload(form, { tracker_id: 'WBA8E9G50GNT31001' }, {});
      expect(new URL(again.url).search).toBe('?done=existing');
      expect(new URL(again.url).pathname).toBe(new URL(registered.url).pathname);
    });

    it('POST /platform/vehicles/new › a Mercedes-Benz needs odometer and certificate; a disguised file is refused; nothing half-stored', async () => {
      const form = await open(admin, '/platform/vehicles/new?provider=mercedes-benz');
      expect(form.html).toContain('name="odometer"');
      expect(form.html).toContain('name="certificate"');
      const documents = async () =>
        Number((await keyturn.database.query()('fleet_documents').count({ n: '*' }))[0]?.n);
      const before = await documents();
      const missing = await admin.upload(form, { tracker_id: 'WDD2050041F310002' }, {});
      expect(missing.status).toBe(400);
      const text = textOf(missing.html);
      expect(text).toContain(
        message('en', 'fleets:problems.odometer_required', { provider: 'mercedes-benz' }),
      );
      expect(text).toContain(
        message('en', 'fleets:problems.registration_document_required', { provider: 'mercedes-benz' }),
      );
      const disguised = await admin.upload(
        form,
        { tracker_id: 'WDD2050041F310002', odometer: '48213' },
        files(pdfBytes, 'image/png', 'certificate.png'),
      );
      expect(disguised.status).toBe(400);
      expect(textOf(disguised.html)).toContain(
        message('en', 'fleets:errors.document_type_mismatch', { type: 'image/png' }),
      );
      expect(await documents()).toBe(before);
      const badVinWithFile = await admin.upload(
        form,
        { tracker_id: 'WBA8E9G50GNT31003', odometer: '48213' },
        files(pngBytes, 'image/png', 'certificate.png'),
      );
      expect(badVinWithFile.status).toBe(400);
      expect(await documents()).toBe(before);
      const registered = await admin.upload(
        form,
        { tracker_id: 'WDD2050041F310002', odometer: '48213' },
        files(pngBytes, 'image/png', 'certificate.png'),
      );
      expect(new URL(registered.url).search).toBe('?done=registered');
      const id = new URL(registered.url).pathname.split('/').at(-1);
      expect((await fleet.call('GET', `/v1/fleet/vehicles/${id}`)).body).toMatchObject({
        provider: 'mercedes-benz',
        odometer: 48213,
        registration_document_id: expect.stringMatching(/^doc_/),
      });
    });

    it('POST /platform/vehicles/new › a Targa tracker by device id, with its VIN among the details', async () => {
      const form = await open(admin, '/platform/vehicles/new?provider=targa');
      const registered = await admin.upload(
        form,
        { tracker_id: 'TGA-310077', vin: fleetVins.stellantis, make: 'Peugeot', model: 'Partner' },
        {},
      );
      const id = new URL(registered.url).pathname.split('/').at(-1);
      expect((await fleet.call('GET', `/v1/fleet/vehicles/${id}`)).body).toMatchObject({
        type: 'canbus',
        vin: fleetVins.stellantis,
        object_id: { make: 'Peugeot', model: 'Partner', vin: fleetVins.stellantis },
      });
    });

    it('POST /platform/vehicles/new › without the CSRF token → 403 and nothing registered', async () => {
      const form = await open(admin, '/platform/vehicles/new?provider=targa');
      const forged = {
        ...form,
        html: form.html.replace(/name="csrf" value="[^"]*"/, 'name="csrf" value="forged"'),
      };
      const answer = await admin.upload(forged, { tracker_id: 'TGA-310099' }, {});
      expect(answer.status).toBe(403);
      expect((await fleet.call('GET', '/v1/fleet/vehicles?q=TGA-310099')).body.vehicles).toEqual([]);
    });
  });

  it('GET /platform?lang=de › the overview and a vehicle’s page in German', async () => {
    const german = newBrowser();
    german.acceptLanguage = 'de';
    const signIn = await german.follow(`${keyturn.url}/platform/sign-in`);
    expect(textOf(signIn.html)).toContain(message('de', 'platform:sign_in.heading'));
    const overview = await german.submit(signIn, { email: adminEmail, password });
    expect(textOf(overview.html)).toContain(message('de', 'platform:overview.heading'));
    const id = await vehicleIdOf(fleet, fleetVins.bmw);
    expect(textOf((await open(german, `/platform/vehicles/${id}`)).html)).toContain(
      message('de', 'platform:status.connected.label'),
    );
  });

  describe('fleet users', () => {
    const colleague = 'colleague@rent-a-fleet.example';

    it('POST /platform/members › an admin invites a colleague, who sets a password and signs in; members cannot manage users', async () => {
      const page = await open(admin, '/platform/members');
      expect(textOf(page.html)).toContain(adminEmail);
      const bad = await admin.submit(page, { email: 'not-an-address' }, '/platform/members/invite');
      expect(bad.status).toBe(400);
      expect(textOf(bad.html)).toContain(message('en', 'platform:members.email_invalid'));
      const invited = await admin.submit(page, { email: colleague }, '/platform/members/invite');
      expect(new URL(invited.url).search).toBe('?done=invited');
      expect(textOf(invited.html)).toContain(colleague);
      const again = await admin.submit(invited, { email: colleague }, '/platform/members/invite');
      expect(new URL(again.url).search).toBe('?done=already_member');
      await keyturn.worker.drain();
      expect(
        (await mailsTo(keyturn.url, colleague)).filter((mail) => mail.subject.includes('Rent-a-Fleet')),
      ).toHaveLength(1);

      const member = await signedInAdmin(colleague);
      expect(textOf((await open(member, '/platform')).html)).toContain('Rent-a-Fleet');
      expect((await open(member, '/platform/members')).status).toBe(403);
      const forged = await member.request(`${keyturn.url}/platform/members/invite`, {
        form: {
          csrf: /name="csrf" value="([^"]+)"/.exec((await open(member, '/platform')).html)?.[1] ?? '',
          email: 'x@example.com',
        },
      });
      expect(forged.status).toBe(403);
    });

    it('who did what › the activity names the user behind each change made from the Platform', async () => {
      const page = await open(admin, '/platform/members');
      const text = textOf(page.html);
      expect(text).toContain(message('en', 'platform:reasons.fleet_validation_requested'));
      expect(text).toContain(message('en', 'platform:reasons.fleet_removed'));
      // Registered from the Platform's form: the registration names its user too.
      expect(text).toContain('WBA8E9G50GNT31001');
      expect(text).toContain(message('en', 'platform:reasons.fleet_registered'));
      expect(text).toContain(adminEmail);
      const id = await vehicleIdOf(fleet, fleetVins.bmw);
      expect(textOf((await open(admin, `/platform/vehicles/${id}`)).html)).toContain(
        message('en', 'platform:vehicle.by', { email: adminEmail }),
      );
    });

    it('POST /platform/members/{id}/remove › the colleague loses access at once; an admin cannot remove themselves', async () => {
      const page = await open(admin, '/platform/members');
      const self = await admin.request(
        `${keyturn.url}/platform/members/${(await keyturn.repositories.accounts.findByEmail(adminEmail))?.id}/remove`,
        { form: { csrf: /name="csrf" value="([^"]+)"/.exec(page.html)?.[1] ?? '' } },
      );
      expect(self.status).toBe(409);
      const member = await keyturn.repositories.accounts.findByEmail(colleague);
      const removed = await admin.submit(page, {}, `/platform/members/${member?.id}/remove`);
      expect(new URL(removed.url).search).toBe('?done=removed');
      expect(textOf(removed.html)).not.toContain(colleague);
      const twice = await admin.request(`${keyturn.url}/platform/members/${member?.id}/remove`, {
        form: { csrf: /name="csrf" value="([^"]+)"/.exec(removed.html)?.[1] ?? '' },
      });
      expect(twice.status).toBe(404);
    });
  });

  describe('access', () => {
    let outsider: HttpBrowser;
    beforeAll(async () => {
      outsider = await signedInAdmin(otherEmail);
    });

    it('another fleet’s user › 404 for the vehicle’s page, its actions and its removal; never listed', async () => {
      const id = await vehicleIdOf(fleet, fleetVins.bmw);
      expect((await open(outsider, `/platform/vehicles/${id}`)).status).toBe(404);
      expect((await open(outsider, `/platform/vehicles/${id}/remove`)).status).toBe(404);
      // A form of the outsider's own page, aimed at the other fleet's vehicle.
      const own = await open(outsider, '/platform');
      const csrf = /name="csrf" value="([^"]+)"/.exec(own.html)?.[1] ?? '';
      for (const action of ['validate', 'remove', 'tracker-id']) {
        const answer = await outsider.request(`${keyturn.url}/platform/vehicles/${id}/${action}`, {
          form: { csrf, tracker_id: 'WBA8E9G50GNT99999' },
        });
        expect(answer.status).toBe(404);
      }
      for (const category of ['connected', 'pending', 'errors', 'disconnected'])
        expect(textOf((await open(outsider, `/platform?category=${category}`)).html)).not.toContain(
          fleetVins.bmw,
        );
      expect((await fleet.call('GET', `/v1/fleet/vehicles/${id}`)).body.validation_status).toBe('connected');
    });

    it('GET /platform › signed out, it leads to the sign-in; an owner account of no fleet cannot sign in', async () => {
      const stranger = newBrowser();
      const page = await stranger.request(`${keyturn.url}/platform`);
      expect(page.status).toBe(303);
      expect(page.headers.get('location')).toBe('/platform/sign-in');
      await keyturn.repositories.accounts.findOrCreate({
        email: 'owner@example.com',
        country: 'DE',
        locale: 'en',
      });
      const signIn = await stranger.follow(`${keyturn.url}/platform/sign-in`);
      const refused = await stranger.submit(signIn, { email: 'owner@example.com', password });
      expect(refused.status).toBe(400);
      expect(textOf(refused.html)).toContain(message('en', 'platform:sign_in.failed'));
    });

    it('POST /platform/vehicles/{id}/validate › without the CSRF token → 403, nothing changes', async () => {
      const [pending] = (
        await register(fleet, [{ tracker_id: 'TGA-210099', provider: 'targa', type: 'canbus' }])
      ).body.vehicles;
      const answer = await admin.request(`${keyturn.url}/platform/vehicles/${pending.id}/validate`, {
        form: { tracker_id: 'ignored' },
      });
      expect(answer.status).toBe(403);
      expect((await fleet.call('GET', `/v1/fleet/vehicles/${pending.id}`)).body.validation_status).toBe(
        'pending',
      );
    });

    it('POST /platform/sign-out › ends the session', async () => {
      const page = await open(outsider, '/platform');
      expect(page.status).toBe(200);
      const out = await outsider.submit(page, {}, '/platform/sign-out');
      expect(new URL(out.url).pathname).toBe('/platform/sign-in');
      const after = await outsider.request(`${keyturn.url}/platform`);
      expect(after.status).toBe(303);
    });
  });
});
