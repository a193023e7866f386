// GET /openapi.json: a valid OpenAPI 3.1 document naming every `/v1/*` route, and real answers of a running
// Keyturn (fleet API, app API, app management API, webhooks; the OEM simulator behind it) conforming to it.

import type Router from '@koa/router';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultPageSize as defaultClearancePageSize,
  maxPageSize as maxClearancePageSize,
} from '../../src/app-api/list-query.ts';
import { type AppManagementDependencies, appManagementRouter } from '../../src/app-api/router.ts';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { appApiRouter } from '../../src/authorization-server/authorization-status.ts';
import { authorizationStatuses, clearanceStatuses } from '../../src/domain/clearance/status.ts';
import { statusCategories } from '../../src/domain/fleet/categories.ts';
import { fleetProviderIds, trackerTypes } from '../../src/domain/fleet/providers.ts';
import { vehicleEventTypes } from '../../src/domain/vehicle-events.ts';
import { defaultPageSize, maxPageSize } from '../../src/fleet-api/list-query.ts';
import { type FleetApiDependencies, fleetApiRouter } from '../../src/fleet-api/router.ts';
import { maxDocumentBytes } from '../../src/fleets/documents.ts';
import { maxBatchSize } from '../../src/fleets/register-vehicles.ts';
import { appPingJob, fleetPingJob } from '../../src/webhooks/kinds.ts';
import { changeClearance } from '../support/clearance.ts';
import {
  type ApiAnswer,
  apiCall,
  clientCredentialsToken,
  fleetVins,
  registerTestFleet,
  type TestFleet,
  uploadDocument,
} from '../support/fleet.ts';
import { newBrowser } from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp } from '../support/keyturn.ts';
import { callbackBody, everyProperty, postSignedCallback } from '../support/maker-callbacks.ts';
import {
  checkedResponses,
  conformanceErrors,
  expectConformance,
  expectWebhookConformance,
  type OpenApiDocument,
  operationsOf,
  requestErrors,
  webhookErrors,
} from '../support/openapi.ts';
import {
  grantClearance,
  type OemWorld,
  portalLink,
  simulatedClearancesFor,
  startKeyturnWithOem,
  startOemWorld,
  startWebhookReceiver,
  until,
  type WebhookReceiver,
} from '../support/relay.ts';

describe('the OpenAPI document', () => {
  let world: OemWorld;
  let keyturn: RunningKeyturn;
  let receiver: WebhookReceiver;
  let fleet: TestFleet;
  let app: RegisteredApp;
  let document: OpenApiDocument;

  beforeAll(async () => {
    world = await startOemWorld();
    receiver = await startWebhookReceiver();
    keyturn = await startKeyturnWithOem(world);
    fleet = await registerTestFleet(keyturn, { adminEmail: 'ops@openapi.example', webhookUrl: receiver.url });
    app = await registerTestApp(keyturn, { webhookUrl: receiver.url });
    document = (await apiCall(`${keyturn.url}/openapi.json`, undefined, 'GET')).body;
  });
  afterAll(async () => {
    await keyturn?.close();
    await world?.simulator.close();
    await receiver?.close();
  });

  /** Expects the status, then the answer to conform to the document's response for it. */
  function conforms(method: string, path: string, answer: ApiAnswer, status: number) {
    expect(answer.status, `${method} ${path}: ${JSON.stringify(answer.body)}`).toBe(status);
    expectConformance(document, method, path, status, answer.body, answer.headers.get('content-type') ?? '');
  }

  async function registerOne(item: Record<string, unknown>): Promise<string> {
    const answer = await fleet.call('POST', '/v1/fleet/vehicles', { vehicles: [item] });
    conforms('POST', '/v1/fleet/vehicles', answer, 200);
    const id = answer.body.vehicles[0]?.id;
    if (typeof id !== 'string') throw new Error(`not registered: ${JSON.stringify(answer.body)}`);
    return id;
  }

  /** Runs the relay (worker and simulator) until the vehicle has `status`. */
  async function settleUntil(id: string, status: string) {
    await until(async () => {
      await keyturn.worker.drain();
      await world.simulator.knobs.pendingDeliveries();
      const answer = await fleet.call('GET', `/v1/fleet/vehicles/${id}`);
      return answer.body.validation_status === status ? true : undefined;
    }, `${id} to be ${status}`);
  }

  describe('GET /openapi.json', () => {
    it('GET /openapi.json › answers JSON without a token, public and cacheable', async () => {
      const answer = await apiCall(`${keyturn.url}/openapi.json`, undefined, 'GET');
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      expect(answer.headers.get('cache-control')).toBe('public, max-age=300');
      expect(answer.body).toEqual(document);
    });

    it('GET /openapi.json › is a valid OpenAPI 3.1 document', async () => {
      expect(document.openapi).toBe('3.1.0');
      const result = await new Validator().validate(structuredClone(document));
      expect(result.errors).toBeUndefined();
      expect(result.valid).toBe(true);

      const broken = structuredClone(document);
      broken.paths['/v1/authorization'].get.responses['200'] = { content: {} };
      expect((await new Validator().validate(broken)).valid).toBe(false);
    });

    it('GET /openapi.json › names this issuer as its server and takes its enumerations and limits from the code', () => {
      const { schemas, securitySchemes } = document.components;
      expect(document.servers).toEqual([{ url: keyturn.url }]);
      expect(securitySchemes.fleetClientCredentials.flows.clientCredentials).toMatchObject({
        tokenUrl: '/token',
        scopes: { 'fleet:clearance': expect.any(String) },
      });
      expect(securitySchemes.appClientCredentials.flows.clientCredentials).toMatchObject({
        tokenUrl: '/token',
        scopes: { management: expect.any(String) },
      });
      expect(securitySchemes.appBearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(schemas.Vehicle.properties.provider.enum).toEqual([...fleetProviderIds]);
      expect(schemas.Vehicle.properties.type.enum).toEqual([...trackerTypes]);
      expect(schemas.Vehicle.properties.validation_status.enum).toEqual([...clearanceStatuses]);
      expect(schemas.Vehicle.properties.status_category.enum).toEqual([...statusCategories]);
      expect(schemas.Authorization.properties.status.enum).toEqual([...authorizationStatuses]);
      expect(Object.keys(schemas.VehiclePage.properties.counts.properties)).toEqual([...statusCategories]);
      expect(schemas.RegistrationBatch.properties.vehicles.maxItems).toBe(maxBatchSize);
      expect(schemas.VehiclePage.properties.vehicles.maxItems).toBe(maxPageSize);
      expect(schemas.Document.properties.size.maximum).toBe(maxDocumentBytes);
      const limit = document.paths['/v1/fleet/vehicles'].get.parameters.find(
        (parameter: { name: string }) => parameter.name === 'limit',
      );
      expect(limit.schema).toMatchObject({ maximum: maxPageSize, default: defaultPageSize });
      const clearanceLimit = document.paths['/v1/clearances'].get.parameters.find(
        (parameter: { name: string }) => parameter.name === 'limit',
      );
      expect(clearanceLimit.schema).toMatchObject({
        maximum: maxClearancePageSize,
        default: defaultClearancePageSize,
      });
      expect(schemas.AppClearancePage.properties.clearances.maxItems).toBe(maxClearancePageSize);
      expect(schemas.AppClearance.properties.status.enum).toEqual([...clearanceStatuses]);
    });

    it('GET /openapi.json › documents every /v1 route the app serves, and no other', () => {
      const routers: Router[] = [
        fleetApiRouter({} as FleetApiDependencies),
        appApiRouter({} as Parameters<typeof appApiRouter>[0]),
        appManagementRouter({} as AppManagementDependencies),
      ];
      const served = routers
        .flatMap((router) => router.stack)
        .flatMap((layer) =>
          layer.methods
            .filter((method) => method !== 'HEAD')
            .map((method) => `${method} ${String(layer.path).replace(/:(\w+)/g, '{$1}')}`),
        );
      const documented = operationsOf(document).map(([method, path]) => `${method} ${path}`);
      expect(served.length).toBeGreaterThan(0);
      expect(documented.sort()).toEqual(served.sort());
    });

    it('GET /openapi.json › gives every operation an example and every response a schema its examples conform to', () => {
      const resolved = (response: OpenApiDocument): OpenApiDocument =>
        response.$ref ? document.components.responses[response.$ref.split('/').pop()] : response;
      for (const [method, path, operation] of operationsOf(document)) {
        const responses = Object.entries(operation.responses as Record<string, OpenApiDocument>).map(
          ([status, response]): [string, OpenApiDocument] => [status, resolved(response)],
        );
        const media = [
          ...Object.values((operation.requestBody?.content ?? {}) as Record<string, OpenApiDocument>),
          ...responses.flatMap(([, response]) =>
            Object.values((response.content ?? {}) as Record<string, OpenApiDocument>),
          ),
        ];
        expect(
          media.some((type) => Object.keys(type.examples ?? {}).length > 0),
          `${method} ${path} has an example`,
        ).toBe(true);

        for (const [status, response] of responses) {
          const content = Object.entries((response.content ?? {}) as Record<string, OpenApiDocument>);
          expect(content.length, `${method} ${path} ${status} has a body`).toBeGreaterThan(0);
          for (const [type, { schema, examples }] of content) {
            expect(schema, `${method} ${path} ${status} ${type} has a schema`).toBeDefined();
            const code = status === 'default' ? 500 : Number(status);
            for (const example of Object.values(examples ?? {}) as { value: unknown }[])
              expect(conformanceErrors(document, method, path, code, example.value, type)).toEqual([]);
          }
        }
        const requestExamples = operation.requestBody?.content?.['application/json']?.examples ?? {};
        for (const example of Object.values(requestExamples) as { value: unknown }[])
          expect(requestErrors(document, method, path, example.value), `${method} ${path} request`).toEqual(
            [],
          );
      }
      for (const [name, webhook] of Object.entries(document.webhooks as Record<string, OpenApiDocument>)) {
        const examples = Object.values(webhook.post.requestBody.content['application/json'].examples);
        expect(examples.length, `webhook ${name} has an example`).toBeGreaterThan(0);
        for (const example of examples as { value: unknown }[])
          expect(webhookErrors(document, name, example.value)).toEqual([]);
      }
    });

    it('expectConformance › fails a body that differs from the documented schema', () => {
      const { examples } =
        document.paths['/v1/fleet/vehicles/{id}'].get.responses['200'].content['application/json'];
      const vehicle = (Object.values(examples)[0] as { value: Record<string, unknown> }).value;
      expect(conformanceErrors(document, 'GET', '/v1/fleet/vehicles/{id}', 200, vehicle)).toEqual([]);
      expect(
        conformanceErrors(document, 'GET', '/v1/fleet/vehicles/{id}', 200, {
          ...vehicle,
          validation_status: 'approved',
        }),
      ).toEqual([expect.stringContaining('/validation_status must be equal to one of the allowed values')]);
      const { changelog: _changelog, ...withoutChangelog } = vehicle;
      expect(conformanceErrors(document, 'GET', '/v1/fleet/vehicles/{id}', 200, withoutChangelog)).toEqual([
        expect.stringContaining("must have required property 'changelog'"),
      ]);
      expect(
        conformanceErrors(document, 'GET', '/v1/fleet/vehicles/{id}', 200, { ...vehicle, undocumented: 1 }),
      ).toEqual([expect.stringContaining('must NOT have additional properties')]);
      expect(conformanceErrors(document, 'GET', '/v1/fleet/vehicles/{id}', 418, {})).toEqual([
        'GET /v1/fleet/vehicles/{id} 418 is not documented',
      ]);
      expect(
        conformanceErrors(document, 'GET', '/v1/fleet/vehicles/{id}', 200, vehicle, 'text/html'),
      ).toEqual(['GET /v1/fleet/vehicles/{id} 200 does not list text/html']);
      expect(() =>
        expectConformance(document, 'GET', '/v1/fleet/vehicles/{id}', 200, { ...vehicle, id: 42 }),
      ).toThrow();
    });
  });

  describe('fleet API answers conform', () => {
    it('POST /v1/fleet/documents › 201 with the stored document; GET it back › 200 with its bytes', async () => {
      const stored = await uploadDocument(fleet);
      conforms('POST', '/v1/fleet/documents', stored, 201);
      const read = await fleet.call('GET', `/v1/fleet/documents/${stored.body.id}`);
      conforms('GET', '/v1/fleet/documents/{id}', read, 200);
      expect(read.headers.get('content-type')).toBe('image/png');
    });

    it('POST /v1/fleet/documents › 415 for a type that is not accepted', async () => {
      const refused = await uploadDocument(fleet, Buffer.from('plain text'), 'text/plain');
      conforms('POST', '/v1/fleet/documents', refused, 415);
    });

    it('POST /v1/fleet/vehicles › 200 with a result per item, registered or refused', async () => {
      const document_ = await uploadDocument(fleet);
      const good = [
        { tracker_id: fleetVins.bmw, provider: 'bmw', type: 'oem', object_id: { license_plate: 'M-OA 1' } },
        {
          tracker_id: fleetVins.mercedes,
          provider: 'mercedes-benz',
          type: 'oem',
          odometer: 48213,
          registration_document_id: document_.body.id,
        },
        {
          tracker_id: 'TGA-OA-0001',
          provider: 'targa',
          type: 'canbus',
          object_id: { vin: fleetVins.stellantis },
        },
      ];
      const bad = [
        { tracker_id: 'WDD2050041F100077', provider: 'mercedes-benz', type: 'oem' },
        { tracker_id: 'AST-1', provider: 'astrata', type: 'canbus' },
        { tracker_id: 42, provider: 'zeppelin', type: 'oem' },
      ];
      for (const item of good)
        expect(requestErrors(document, 'POST', '/v1/fleet/vehicles', { vehicles: [item] })).toEqual([]);
      for (const item of bad)
        expect(requestErrors(document, 'POST', '/v1/fleet/vehicles', { vehicles: [item] })).not.toEqual([]);

      const answer = await fleet.call('POST', '/v1/fleet/vehicles', { vehicles: [...good, ...bad] });
      conforms('POST', '/v1/fleet/vehicles', answer, 200);
      expect(answer.body.vehicles.map((item: { id?: string }) => typeof item.id)).toEqual([
        'string',
        'string',
        'string',
        'undefined',
        'undefined',
        'undefined',
      ]);
      expect(answer.body.vehicles[5]).toMatchObject({ index: 5, tracker_id: null });
    });

    it('POST /v1/fleet/vehicles › 400 for a malformed batch, 415 for a body that is not JSON', async () => {
      conforms(
        'POST',
        '/v1/fleet/vehicles',
        await fleet.call('POST', '/v1/fleet/vehicles', { cars: [] }),
        400,
      );
      conforms(
        'POST',
        '/v1/fleet/vehicles',
        await fleet.call('POST', '/v1/fleet/vehicles', { vehicles: [] }),
        400,
      );
      const twice = { tracker_id: 'TGA-OA-0002', provider: 'targa', type: 'canbus' };
      const duplicate = await fleet.call('POST', '/v1/fleet/vehicles', { vehicles: [twice, twice] });
      conforms('POST', '/v1/fleet/vehicles', duplicate, 400);
      expect(duplicate.body.problems).toEqual([expect.objectContaining({ code: 'duplicate_tracker_id' })]);
      const broken = await fleet.call('POST', '/v1/fleet/vehicles', '{"vehicles": [', {
        'content-type': 'application/json',
      });
      conforms('POST', '/v1/fleet/vehicles', broken, 400);
      const form = await fleet.call('POST', '/v1/fleet/vehicles', 'vehicles=1', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      conforms('POST', '/v1/fleet/vehicles', form, 415);
    });

    it('GET /v1/fleet/vehicles › 200 with a page and the counts; 400 for parameters that are not valid', async () => {
      await registerOne({ tracker_id: 'TGA-OA-0003', provider: 'targa', type: 'canbus' });
      await registerOne({ tracker_id: 'TGA-OA-0004', provider: 'targa', type: 'canbus' });
      const first = await fleet.call('GET', '/v1/fleet/vehicles?limit=1&provider=targa');
      conforms('GET', '/v1/fleet/vehicles', first, 200);
      expect(first.body.next_cursor).toEqual(expect.any(String));
      const filtered = await fleet.call(
        'GET',
        `/v1/fleet/vehicles?category=pending&status=pending&q=TGA-OA-0004&cursor=${first.body.next_cursor}`,
      );
      conforms('GET', '/v1/fleet/vehicles', filtered, 200);
      expect(filtered.body).toMatchObject({ vehicles: [{ tracker_id: 'TGA-OA-0004' }], next_cursor: null });
      const refused = await fleet.call('GET', '/v1/fleet/vehicles?category=broken&limit=5000&limit=2');
      conforms('GET', '/v1/fleet/vehicles', refused, 400);
    });

    it('GET /v1/fleet/vehicles/{id} › 200 with the changelog; 404 for an id the fleet does not have', async () => {
      const id = await registerOne({ tracker_id: 'TGA-OA-0005', provider: 'targa', type: 'canbus' });
      const vehicle = await fleet.call('GET', `/v1/fleet/vehicles/${id}`);
      conforms('GET', '/v1/fleet/vehicles/{id}', vehicle, 200);
      expect(vehicle.body.changelog).toEqual([expect.objectContaining({ status: 'pending' })]);
      const unknown = await fleet.call('GET', '/v1/fleet/vehicles/veh_00000000000000000000000000ff');
      conforms('GET', '/v1/fleet/vehicles/{id}', unknown, 404);
    });

    it('PATCH /v1/fleet/vehicles/{id} › 200 with the changed vehicle; 400 for a field that cannot change', async () => {
      const id = await registerOne({ tracker_id: 'TGA-OA-0006', provider: 'targa', type: 'canbus' });
      const changes = { tracker_id: 'TGA-OA-0007', object_id: { vin: fleetVins.stellantis }, odometer: 1200 };
      expect(requestErrors(document, 'PATCH', '/v1/fleet/vehicles/{id}', changes)).toEqual([]);
      const changed = await fleet.call('PATCH', `/v1/fleet/vehicles/${id}`, changes);
      conforms('PATCH', '/v1/fleet/vehicles/{id}', changed, 200);
      expect(changed.body).toMatchObject({ tracker_id: 'TGA-OA-0007', vin: fleetVins.stellantis });
      const refused = await fleet.call('PATCH', `/v1/fleet/vehicles/${id}`, { provider: 'bmw' });
      conforms('PATCH', '/v1/fleet/vehicles/{id}', refused, 400);
      expect(requestErrors(document, 'PATCH', '/v1/fleet/vehicles/{id}', { provider: 'bmw' })).not.toEqual(
        [],
      );
    });

    it('POST /v1/fleet/vehicles/{id}/validate › 202, then 409 once connected; the fleet’s webhooks conform', async () => {
      const id = await registerOne({
        tracker_id: 'TGA-OA-0008',
        provider: 'targa',
        type: 'canbus',
        object_id: { vin: fleetVins.stellantis },
      });
      conforms(
        'POST',
        '/v1/fleet/vehicles/{id}/validate',
        await fleet.call('POST', `/v1/fleet/vehicles/${id}/validate`),
        202,
      );
      await settleUntil(id, 'connected');
      const refused = await fleet.call('POST', `/v1/fleet/vehicles/${id}/validate`);
      conforms('POST', '/v1/fleet/vehicles/{id}/validate', refused, 409);
      expect(refused.body.error).toBe('validation_not_allowed');

      const heard = await until(async () => {
        await keyturn.worker.drain();
        const bodies = receiver.received.map((delivery) => JSON.parse(delivery.body));
        const mine = bodies.filter((body) => body.vehicle?.id === id);
        return mine.some((body) => body.clearance.status === 'connected') ? mine : undefined;
      }, 'the fleet’s webhooks');
      for (const body of heard) expectWebhookConformance(document, 'fleet_clearance_changed', body);
      const headers = document.webhooks.fleet_clearance_changed.post.parameters.map(
        (parameter: { name: string }) => parameter.name,
      );
      const delivery = receiver.received.find((received) => received.body.includes(id));
      for (const name of headers) expect(delivery?.headers[name], name).toEqual(expect.any(String));
    });

    it('DELETE /v1/fleet/vehicles/{id} › 202 with the status, again when removed twice; 409 once the provider rejected it', async () => {
      const id = await registerOne({ tracker_id: 'TGA-OA-0009', provider: 'targa', type: 'canbus' });
      const removed = await fleet.call('DELETE', `/v1/fleet/vehicles/${id}`);
      conforms('DELETE', '/v1/fleet/vehicles/{id}', removed, 202);
      expect(removed.body).toEqual({ id, validation_status: 'disconnected' });
      conforms(
        'DELETE',
        '/v1/fleet/vehicles/{id}',
        await fleet.call('DELETE', `/v1/fleet/vehicles/${id}`),
        202,
      );

      const bmw = await registerOne({ tracker_id: 'WBA8E9G50GNT10009', provider: 'bmw', type: 'oem' });
      await fleet.call('POST', `/v1/fleet/vehicles/${bmw}/validate`);
      const atMaker = await until(async () => {
        await keyturn.worker.drain();
        return simulatedClearancesFor(world, bmw)[0];
      }, 'the request at the maker');
      world.simulator.knobs.decide(atMaker.id, 'reject');
      await settleUntil(bmw, 'error_rejected');
      const refused = await fleet.call('DELETE', `/v1/fleet/vehicles/${bmw}`);
      conforms('DELETE', '/v1/fleet/vehicles/{id}', refused, 409);
      expect(refused.body.error).toBe('removal_not_allowed');
    });

    it('GET /v1/fleet/vehicles › 401 without a token, or with an app’s token', async () => {
      const none = await apiCall(`${keyturn.url}/v1/fleet/vehicles`, undefined, 'GET');
      conforms('GET', '/v1/fleet/vehicles', none, 401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      const forged = await apiCall(`${keyturn.url}/v1/fleet/vehicles/x/validate`, 'not-a-token', 'POST');
      conforms('POST', '/v1/fleet/vehicles/{id}/validate', forged, 401);
    });
  });

  describe('app API answers conform', () => {
    it('GET /v1/authorization › 200 for an app’s token, 401 without; the app’s webhook conforms', async () => {
      const email = 'openapi.owner@example.com';
      const granted = await grantClearance(keyturn, app, { email });
      const pending = await apiCall(`${keyturn.url}/v1/authorization`, granted.tokens.access_token, 'GET');
      conforms('GET', '/v1/authorization', pending, 200);
      expect(pending.body).toMatchObject({ status: 'pending', vin: granted.vin });

      const fleetToken = await apiCall(`${keyturn.url}/v1/authorization`, fleet.token, 'GET');
      conforms('GET', '/v1/authorization', fleetToken, 401);

      await keyturn.worker.drain();
      const browser = newBrowser();
      const portal = await browser.follow(portalLink(world, email, granted.vin));
      await browser.submit(portal, { decision: 'approve' });
      await world.simulator.knobs.pendingDeliveries();
      const webhook = await until(async () => {
        await keyturn.worker.drain();
        return receiver.received
          .map((delivery) => JSON.parse(delivery.body))
          .find(
            (body) => body.event?.type === 'authorization_changed' && body.application?.id === app.client_id,
          );
      }, 'the app’s webhook');
      expectWebhookConformance(document, 'authorization_changed', webhook);
      const approved = await apiCall(`${keyturn.url}/v1/authorization`, granted.tokens.access_token, 'GET');
      conforms('GET', '/v1/authorization', approved, 200);
      expect(approved.body.status).toBe('approved');
    });
  });

  describe('vehicle events and test events conform', () => {
    it('webhook vehicle_event › an approved clearance’s event, to the subscribed app, conforms; so does a ping to an app and to a fleet', async () => {
      const granted = await grantClearance(keyturn, app, {
        email: 'openapi.events@example.com',
        vin: 'WBA8E9G50GNT10301',
      });
      await keyturn.worker.drain();
      const secret = world.secrets.bmw?.webhookSecret ?? '';
      const send = (body: string) =>
        postSignedCallback({ issuer: keyturn.url, provider: 'bmw', secret, body });
      await send(callbackBody('authorization_changed', granted.clearance, { status: 'approved' }));
      await keyturn.repositories.apps.setEventTypes(app.client_id, [...vehicleEventTypes]);
      for (const type of vehicleEventTypes) await send(callbackBody(type, granted.clearance, everyProperty));
      const events = await until(async () => {
        await keyturn.worker.drain();
        const mine = receiver.received
          .map((delivery) => JSON.parse(delivery.body))
          .filter((body) => body.vehicle?.serial_number === granted.clearance.id);
        return mine.length === vehicleEventTypes.length ? mine : undefined;
      }, 'the vehicle events');
      for (const body of events) expectWebhookConformance(document, 'vehicle_event', body);

      await keyturn.repositories.outbox.enqueue(appPingJob, {
        clientId: app.client_id,
        occurredAt: Date.now(),
      });
      await keyturn.repositories.outbox.enqueue(fleetPingJob, {
        fleetId: fleet.fleet_id,
        occurredAt: Date.now(),
      });
      await keyturn.worker.drain();
      const pings = receiver.received
        .map((delivery) => JSON.parse(delivery.body))
        .filter((body) => body.event?.type === 'ping');
      expect(pings.some((body) => body.application?.id === app.client_id)).toBe(true);
      expect(pings.some((body) => body.fleet?.id === fleet.fleet_id)).toBe(true);
      for (const body of pings) expectWebhookConformance(document, 'ping', body);
    });
  });

  describe('app management API answers conform', () => {
    let token: string;
    beforeAll(async () => {
      token = await clientCredentialsToken(keyturn.url, app, 'management');
    });
    const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
      apiCall(`${keyturn.url}${path}`, token, method, body, headers);

    it('GET /v1/clearances › 200 with a page, filtered or not; 400 for parameters that are not valid; 401 without a token', async () => {
      const first = await grantClearance(keyturn, app, {
        email: 'openapi.manager1@example.com',
        vin: 'WBA8E9G50GNT10101',
      });
      await grantClearance(keyturn, app, { email: 'openapi.manager2@example.com', vin: 'WBA8E9G50GNT10102' });
      const page = await call('GET', '/v1/clearances?limit=1');
      conforms('GET', '/v1/clearances', page, 200);
      expect(page.body.next_cursor).toEqual(expect.any(String));
      const filtered = await call(
        'GET',
        `/v1/clearances?status=pending&vin=${first.vin}&cursor=${page.body.next_cursor}`,
      );
      conforms('GET', '/v1/clearances', filtered, 200);
      expect(filtered.body).toMatchObject({ clearances: [{ id: first.clearance.id }], next_cursor: null });
      conforms(
        'GET',
        '/v1/clearances',
        await call('GET', '/v1/clearances?status=approved&limit=500&limit=2'),
        400,
      );
      conforms('GET', '/v1/clearances', await apiCall(`${keyturn.url}/v1/clearances`, undefined, 'GET'), 401);
    });

    it('GET /v1/clearances/{id} › 200 with the changelog, 404 for another’s; DELETE › 202 twice, 409 once it ended otherwise', async () => {
      const granted = await grantClearance(keyturn, app, {
        email: 'openapi.manager3@example.com',
        vin: 'WBA8E9G50GNT10103',
      });
      const id = granted.clearance.id;
      const shown = await call('GET', `/v1/clearances/${id}`);
      conforms('GET', '/v1/clearances/{id}', shown, 200);
      expect(shown.body.changelog).toEqual([expect.objectContaining({ status: 'pending' })]);
      conforms('GET', '/v1/clearances/{id}', await call('GET', '/v1/clearances/unknown'), 404);
      const disconnected = await call('DELETE', `/v1/clearances/${id}`);
      conforms('DELETE', '/v1/clearances/{id}', disconnected, 202);
      expect(disconnected.body.status).toBe('disconnected');
      conforms('DELETE', '/v1/clearances/{id}', await call('DELETE', `/v1/clearances/${id}`), 202);
      conforms('DELETE', '/v1/clearances/{id}', await call('DELETE', '/v1/clearances/unknown'), 404);

      const rejected = await grantClearance(keyturn, app, {
        email: 'openapi.manager4@example.com',
        vin: 'WBA8E9G50GNT10104',
      });
      await changeClearance(keyturn, rejected.clearance.grantId, 'owner_rejected');
      const refused = await call('DELETE', `/v1/clearances/${rejected.clearance.id}`);
      conforms('DELETE', '/v1/clearances/{id}', refused, 409);
      expect(refused.body.error).toBe('disconnect_not_allowed');
    });

    it('GET /v1/usage › 200 with the month’s statement, 400 for a bad month, 401 without a token', async () => {
      await keyturn.repositories.usageLedger.charge({
        clientId: app.client_id,
        vin: 'WBA8E9G50GNT10301',
        clearanceId: 'clr_openapi_usage',
        eventType: 'accident_reported',
        eventId: 'bmw:msg_openapi_usage',
        month: '2027-08',
        listPriceCents: 12,
        monthlyCapCents: 669,
        receivedAt: Date.UTC(2027, 7, 1),
      });
      const statement = await call('GET', '/v1/usage?month=2027-08');
      conforms('GET', '/v1/usage', statement, 200);
      expect(statement.body.total_cents).toBe(12);
      conforms('GET', '/v1/usage', await call('GET', '/v1/usage?month=2027-13'), 400);
      conforms(
        'GET',
        '/v1/usage',
        await apiCall(`${keyturn.url}/v1/usage?month=2027-08`, undefined, 'GET'),
        401,
      );
    });

    it('POST /v1/eligibility › 200 eligible or not with reasons, 400 for a malformed body, 415 for one that is not JSON', async () => {
      const good = [
        { vin: 'WBA5R1C50KA123456', country: 'DE' },
        { vin: 'wba8e9g50-hnt12345', country: 'AT', extra: true },
      ];
      const bad = [
        { vin: 17, country: 'DE' },
        { vin: 'WBA5R1C50KA123456', country: 'de' },
        { country: 'DE' },
      ];
      for (const body of good) expect(requestErrors(document, 'POST', '/v1/eligibility', body)).toEqual([]);
      for (const body of bad)
        expect(requestErrors(document, 'POST', '/v1/eligibility', body)).not.toEqual([]);

      for (const [vin, country] of [
        ['WBA5R1C50KA123456', 'DE'],
        ['WBA8E9G50HNT12345', 'AT'],
        ['WBA8E9G50GNT12345', 'US'],
        ['VF3AAAAAA8A100003', 'FR'],
        ['WF0AXXWPMAJB43745', 'DE'],
        ['not a vin', 'DE'],
      ])
        conforms('POST', '/v1/eligibility', await call('POST', '/v1/eligibility', { vin, country }), 200);
      for (const body of bad)
        conforms('POST', '/v1/eligibility', await call('POST', '/v1/eligibility', body), 400);
      const broken = await call('POST', '/v1/eligibility', '{"vin"', { 'content-type': 'application/json' });
      conforms('POST', '/v1/eligibility', broken, 400);
      const form = await call('POST', '/v1/eligibility', 'vin=1', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      conforms('POST', '/v1/eligibility', form, 415);
    });
  });

  it('every operation and webhook of the document › was checked against a real answer', () => {
    const checked = [...checkedResponses()];
    const unchecked = [
      ...operationsOf(document)
        .filter(
          ([method, path]) =>
            !checked.some((entry) => new RegExp(`^${method} ${escapeRegExp(path)} 2\\d\\d$`).test(entry)),
        )
        .map(([method, path]) => `${method} ${path}`),
      ...Object.keys(document.webhooks).filter((name) => !checked.includes(`WEBHOOK ${name}`)),
    ];
    expect(unchecked).toEqual([]);
  });
});

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
