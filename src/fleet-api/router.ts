// The fleet API, `/v1/fleet/*`: documents, batch registration, listing by status category, a vehicle with
// its changelog, validation, updates and removal. Every route: the fleet's bearer token, then its input
// checked, then a command of ../fleets, then a presenter. A fleet sees only its own vehicles and
// documents: another fleet's id answers 404 exactly as an unknown one does.
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type AuthorizationServer from 'oidc-provider';
import { KeyturnError, NotFound } from '../errors.ts';
import {
  declaredDocumentType,
  documentTooLarge,
  maxDocumentBytes,
  storeDocument,
} from '../fleets/documents.ts';
import { presentChangelog, presentDocument, presentItemResult, presentVehicle } from '../fleets/present.ts';
import { registerVehicles } from '../fleets/register-vehicles.ts';
import { removeVehicle, updateVehicle, validateVehicle } from '../fleets/vehicle-lifecycle.ts';
import { translator } from '../i18n/index.ts';
import type { RelayStore } from '../relay/apply-clearance-event.ts';
import type { RateLimit } from '../security/rate-limits.ts';
import type { FleetDocumentsRepository } from '../storage/fleet-documents.ts';
import type { FleetVehiclesRepository } from '../storage/fleet-vehicles.ts';
import type { FleetsRepository } from '../storage/fleets.ts';
import { readRawBytes } from '../web/raw-body.ts';
import { authenticateFleet, fleetOf } from './authenticate.ts';
import { encodeCursor, parseListQuery } from './list-query.ts';

export interface FleetApiDependencies {
  authorizationServer: AuthorizationServer;
  /** The origin DPoP proofs name in `htu`. */
  issuer: string;
  fleets: FleetsRepository;
  vehicles: FleetVehiclesRepository;
  documents: FleetDocumentsRepository;
  relay: RelayStore;
  /** Whether a provider's API is configured (or simulated): vehicles of another cannot be registered. */
  providerAvailable(id: string): boolean;
  /** Validations per fleet: each asks a provider, whose portal may mail the fleet's admin. */
  validations: RateLimit;
}

/** A batch of 1,000 vehicles with generous metadata fits well within this. */
const json = bodyParser({ enableTypes: ['json'], jsonLimit: '2mb', encoding: 'utf-8' });

async function requireJson(ctx: Context, next: Next) {
  if (!ctx.is('application/json'))
    throw new KeyturnError(415, 'unsupported_media_type', { messageKey: 'fleets:errors.json_required' });
  await next();
}

export function fleetApiRouter(deps: FleetApiDependencies): Router {
  const router = new Router({ prefix: '/v1/fleet' });
  router.use(authenticateFleet(deps));

  /** The fleet's vehicle named in the path, or 404. */
  async function vehicleOf(ctx: Context) {
    const vehicle = await deps.vehicles.find(fleetOf(ctx).id, String(ctx.params.id));
    if (!vehicle) throw new NotFound('unknown_vehicle', { messageKey: 'fleets:errors.unknown_vehicle' });
    return vehicle;
  }

  router.post('/documents', async function uploadDocument(ctx) {
    declaredDocumentType(ctx.get('content-type'));
    const bytes = await readRawBytes(ctx, maxDocumentBytes);
    if (!bytes) throw documentTooLarge();
    const document = await storeDocument(deps.documents, fleetOf(ctx), ctx.get('content-type'), bytes);
    ctx.status = 201;
    ctx.set('Location', `/v1/fleet/documents/${document.id}`);
    ctx.body = presentDocument(document);
  });

  router.get('/documents/:id', async function downloadDocument(ctx) {
    const fleet = fleetOf(ctx);
    const id = String(ctx.params.id);
    const [document, content] = await Promise.all([
      deps.documents.find(fleet.id, id),
      deps.documents.content(fleet.id, id),
    ]);
    if (!document || !content)
      throw new NotFound('unknown_document', { messageKey: 'fleets:errors.unknown_document' });
    ctx.type = document.contentType;
    ctx.set('Content-Disposition', 'attachment');
    ctx.set('Cache-Control', 'private, no-store');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Content-Security-Policy', "default-src 'none'; sandbox");
    ctx.body = content;
  });

  router.post('/vehicles', requireJson, json, async function registerBatch(ctx) {
    const results = await registerVehicles(deps, fleetOf(ctx), ctx.request.body);
    const t = translator(ctx.state.locale ?? 'en');
    ctx.body = { vehicles: results.map((result) => presentItemResult(result, t)) };
  });

  router.get('/vehicles', async function listVehicles(ctx) {
    const filter = parseListQuery(ctx.query);
    const fleet = fleetOf(ctx);
    const [page, counts] = await Promise.all([
      deps.vehicles.list(fleet.id, { ...filter, limit: filter.limit + 1 }),
      deps.vehicles.counts(fleet.id),
    ]);
    const more = page.length > filter.limit;
    const vehicles = more ? page.slice(0, filter.limit) : page;
    const last = vehicles.at(-1);
    ctx.body = {
      vehicles: vehicles.map(presentVehicle),
      next_cursor: more && last ? encodeCursor(last.id) : null,
      counts,
    };
  });

  router.get('/vehicles/:id', async function showVehicle(ctx) {
    const vehicle = await vehicleOf(ctx);
    ctx.body = {
      ...presentVehicle(vehicle),
      changelog: presentChangelog(await deps.vehicles.changelog(vehicle.id)),
    };
  });

  router.patch('/vehicles/:id', requireJson, json, async function changeVehicle(ctx) {
    const vehicle = await vehicleOf(ctx);
    await updateVehicle(deps.vehicles, vehicle, ctx.request.body);
    ctx.body = presentVehicle(await vehicleOf(ctx));
  });

  router.delete('/vehicles/:id', async function deleteVehicle(ctx) {
    await removeVehicle(deps.relay, await vehicleOf(ctx));
    const vehicle = await vehicleOf(ctx);
    ctx.status = 202;
    ctx.body = { id: vehicle.id, validation_status: vehicle.status };
  });

  router.post('/vehicles/:id/validate', async function validate(ctx) {
    const vehicle = await vehicleOf(ctx);
    const wait = await deps.validations.take(fleetOf(ctx).id);
    if (wait !== undefined)
      throw new KeyturnError(429, 'too_many_validations', {
        messageKey: 'fleets:errors.too_many_validations',
        retryAfterSeconds: wait,
      });
    await validateVehicle(deps.relay, vehicle);
    const now = await vehicleOf(ctx);
    ctx.status = 202;
    ctx.body = { id: now.id, validation_status: now.status };
  });

  return router;
}
