import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  apiKeys,
  buildSimulator,
  clearanceBody,
  createClearance,
  postClearance,
  secrets,
  startReceiver,
  submitDecision,
  verify,
} from './support.ts';

let sim: Awaited<ReturnType<typeof buildSimulator>>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeEach(async () => {
  sim = await buildSimulator();
  receiver = await startReceiver();
});

afterEach(async () => {
  await sim.close();
  await receiver.close();
});

const page = async (url: string, headers: Record<string, string> = {}) => {
  const response = await fetch(url, { headers });
  return { status: response.status, html: await response.text(), type: response.headers.get('content-type') };
};

describe('GET /:provider/portal/:id', () => {
  it('shows the maker, VIN, app, data points and Approve/Reject buttons while pending', async () => {
    const id = await createClearance(sim.url, receiver.url);

    const { status, html, type } = await page(`${sim.url}/bmw/portal/${id}`);

    expect(status).toBe(200);
    expect(type).toMatch(/text\/html/);
    expect(html).toContain('BMW ConnectedDrive');
    expect(html).toContain('WBA8E9C50GK123456');
    expect(html).toContain('Charge Buddy');
    expect(html).toContain('vehicle_location');
    expect(html).toContain('Waiting for your decision');
    expect(html).toMatch(/<button[^>]*name="decision" value="approve"[^>]*>Approve<\/button>/);
    expect(html).toMatch(/<button[^>]*name="decision" value="reject"[^>]*>Reject<\/button>/);
    expect(html).not.toContain('value="revoke"');
    expect(html).not.toMatch(/<script|style=/);
  });

  it('is in German for ?lang=de and for Accept-Language: de-DE', async () => {
    const id = await createClearance(sim.url, receiver.url);

    const byQuery = await page(`${sim.url}/bmw/portal/${id}?lang=de`);
    const byHeader = await page(`${sim.url}/bmw/portal/${id}`, {
      'accept-language': 'de-DE,de;q=0.9,en;q=0.5',
    });

    for (const { html } of [byQuery, byHeader]) {
      expect(html).toContain('<html lang="de">');
      expect(html).toContain('>Zustimmen</button>');
      expect(html).toContain('>Ablehnen</button>');
    }
  });

  it.each([
    ['bmw', 'bmw', 'BMW ConnectedDrive', 'bmw', 'BMW'],
    ['bmw', 'mini', 'MINI Connected', 'mini', 'MINI'],
    ['mercedes-benz', 'mercedes-benz', 'Mercedes me', 'mercedes-benz', 'me'],
    ['stellantis', 'peugeot', 'Stellantis', 'stellantis', 'S'],
  ])(
    'the %s portal of a %s vehicle wears its own mark beside %s',
    async (provider, brand, name, mark, monogram) => {
      const keys: Record<string, string> = { ...apiKeys, stellantis: 'stellantis-test-key' };
      const apiKey = keys[provider] ?? '';
      const maker = await buildSimulator({
        providers: { [provider]: { apiKey, webhookSecret: secrets.bmw } },
      });
      try {
        const created = await postClearance(
          maker.url,
          clearanceBody({ brand, callback_url: receiver.url, clearance_id: `clr_${brand}` }),
          { provider, apiKey },
        );
        expect(created.status).toBe(201);
        const { id } = (await created.json()) as { id: string };

        const { html } = await page(`${maker.url}/${provider}/portal/${id}`);

        const header = /<p class="maker">([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '';
        expect(header).toContain(
          `<span class="maker-mark maker-mark-${mark}" data-maker-mark="${mark}" aria-hidden="true">${monogram}</span>${name}`,
        );
      } finally {
        await maker.close();
      }
    },
  );

  it('escapes the app name', async () => {
    const id = await createClearance(sim.url, receiver.url, { app_name: '<script>x</script>' });

    const { html } = await page(`${sim.url}/bmw/portal/${id}`);

    expect(html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(html).not.toContain('<script>');
  });

  it('answers a friendly localized 404 page for an unknown id', async () => {
    const { status, html } = await page(`${sim.url}/bmw/portal/sim_unknown?lang=de`);

    expect(status).toBe(404);
    expect(html).toContain('Wir konnten diese Anfrage nicht finden.');
    expect(html).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('POST /:provider/portal/:id', () => {
  it('approves: redirects 303 to a page confirming it, then sends a signed approved callback and the first position', async () => {
    const id = await createClearance(sim.url, receiver.url);

    const response = await submitDecision(sim.url, id, 'approve');
    expect(response.status).toBe(303);
    const location = response.headers.get('location') ?? '';
    expect(location).toMatch(new RegExp(`^/bmw/portal/${id}\\?`));

    const { html } = await page(`${sim.url}${location}`);
    expect(html).toContain('You approved the request.');
    expect(html).toMatch(/<button[^>]*name="decision" value="revoke"[^>]*>Revoke<\/button>/);
    expect(html).not.toContain('value="approve"');

    await sim.knobs.pendingDeliveries();
    expect(receiver.received).toHaveLength(2);
    const [approved, position] = receiver.received.map((callback) => verify(secrets.bmw, callback));
    expect(approved).toEqual({
      type: 'authorization_changed',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: { clearance_id: 'clr_keyturn_1', vin: 'WBA8E9C50GK123456', status: 'approved' },
    });
    expect(position).toEqual({
      type: 'vehicle_location_changed',
      timestamp: expect.any(String),
      data: {
        clearance_id: 'clr_keyturn_1',
        vin: 'WBA8E9C50GK123456',
        latitude: expect.any(Number),
        longitude: expect.any(Number),
        heading: expect.any(Number),
        vehicle_time: expect.any(String),
      },
    });
  });

  it('rejects: sends a rejected callback and no position', async () => {
    const id = await createClearance(sim.url, receiver.url);

    const response = await submitDecision(sim.url, id, 'reject');
    await sim.knobs.pendingDeliveries();

    expect(response.status).toBe(303);
    expect(receiver.events()).toEqual([
      expect.objectContaining({
        type: 'authorization_changed',
        data: expect.objectContaining({ status: 'rejected' }),
      }),
    ]);
    const { html } = await page(`${sim.url}${response.headers.get('location')}`);
    expect(html).toContain('You rejected the request.');
  });

  it('revokes after an approval: sends a revoked callback', async () => {
    const id = await createClearance(sim.url, receiver.url);
    await submitDecision(sim.url, id, 'approve');
    await sim.knobs.pendingDeliveries();

    const response = await submitDecision(sim.url, id, 'revoke');
    await sim.knobs.pendingDeliveries();

    expect(response.status).toBe(303);
    expect(receiver.events().map((event) => [event.type, event.data.status])).toEqual([
      ['authorization_changed', 'approved'],
      ['vehicle_location_changed', undefined],
      ['authorization_changed', 'revoked'],
    ]);
    expect(sim.knobs.clearances()[0]?.status).toBe('revoked');
  });

  it('answers 400 for a decision other than approve, reject or revoke, and changes nothing', async () => {
    const id = await createClearance(sim.url, receiver.url);

    for (const decision of ['Approve', 'allow', '']) {
      const response = await submitDecision(sim.url, id, decision);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('Please choose one of the buttons');
    }
    await sim.knobs.pendingDeliveries();
    expect(sim.knobs.clearances()[0]?.status).toBe('pending_validation');
    expect(receiver.received).toHaveLength(0);
  });

  it('answers 409 with a friendly page when rejecting an approved clearance', async () => {
    const id = await createClearance(sim.url, receiver.url);
    await submitDecision(sim.url, id, 'approve');

    const response = await submitDecision(sim.url, id, 'reject');

    expect(response.status).toBe(409);
    expect(await response.text()).toContain('already been answered');
    expect(sim.knobs.clearances()[0]?.status).toBe('approved');
  });

  it('sends one callback when the same decision is submitted twice', async () => {
    const id = await createClearance(sim.url, receiver.url);

    await submitDecision(sim.url, id, 'reject');
    const again = await submitDecision(sim.url, id, 'reject');
    await sim.knobs.pendingDeliveries();

    expect(again.status).toBe(303);
    expect(receiver.events()).toHaveLength(1);
  });
});
