// A vehicle's page on the Platform (/platform/vehicles/:id): its data, the changelog as a timeline, and the
// actions its status allows, each through the fleet API's own commands (../fleets/vehicle-lifecycle.ts):
// validate (again, after a retryable error), correct the tracker id (before validation, or after the
// provider did not know it), and remove after a confirmation step. Another fleet's vehicle is 404.
import type { Context } from 'koa';
import { isRetryable, isTerminal } from '../domain/clearance/status.ts';
import { Conflict, InvalidInput, NotFound } from '../errors.ts';
import { removeVehicle, updateVehicle, validateVehicle } from '../fleets/vehicle-lifecycle.ts';
import type { RelayStore } from '../relay/apply-clearance-event.ts';
import type { RateLimit } from '../security/rate-limits.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { FleetVehicle, FleetVehiclesRepository } from '../storage/fleet-vehicles.ts';
import { render } from '../web/views.ts';
import { fleetUser } from './fleet-user.ts';
import { emailsOf, vehicleRow } from './present.ts';

export interface VehiclePageDependencies {
  accounts: AccountsRepository;
  vehicles: FleetVehiclesRepository;
  relay: RelayStore;
  validations: RateLimit;
}

const view = 'platform/vehicle.njk';
const pageOf = (vehicle: { id: string }) => `/platform/vehicles/${encodeURIComponent(vehicle.id)}`;

export function vehiclePage(deps: VehiclePageDependencies) {
  async function vehicleOf(ctx: Context): Promise<FleetVehicle> {
    const vehicle = await deps.vehicles.find(fleetUser(ctx).fleet.id, String(ctx.params.id));
    if (!vehicle) throw new NotFound();
    return vehicle;
  }

  async function show(
    ctx: Context,
    vehicle: FleetVehicle,
    extra: Record<string, unknown> = {},
    status = 200,
  ) {
    const changelog = await deps.vehicles.changelog(vehicle.id);
    const actors = await emailsOf(
      deps.accounts,
      changelog.flatMap((entry) => (entry.actor ? [entry.actor] : [])),
    );
    render(
      ctx,
      view,
      {
        vehicle: { ...vehicleRow(vehicle), odometer: vehicle.odometer, objectId: vehicle.objectId },
        changelog: changelog.map((entry) => ({
          ...entry,
          at: new Date(entry.timestamp).toISOString(),
          by: entry.actor ? actors.get(entry.actor) : undefined,
        })),
        mayValidate: vehicle.status === 'pending' || isRetryable(vehicle.status),
        mayCorrectTrackerId: vehicle.status === 'pending' || vehicle.status === 'wrong_tracker_id',
        mayRemove: !isTerminal(vehicle.status),
        notice: typeof ctx.query.done === 'string' ? `platform:vehicle.done.${ctx.query.done}` : undefined,
        ...extra,
      },
      status,
    );
  }

  const done = (ctx: Context, vehicle: FleetVehicle, what: string) => {
    ctx.status = 303;
    ctx.redirect(`${pageOf(vehicle)}?done=${what}`);
  };

  return {
    async show(ctx: Context) {
      await show(ctx, await vehicleOf(ctx));
    },
    async validate(ctx: Context) {
      const vehicle = await vehicleOf(ctx);
      const wait = await deps.validations.take(fleetUser(ctx).fleet.id);
      if (wait !== undefined) {
        ctx.set('Retry-After', String(wait));
        return show(ctx, vehicle, { error: 'fleets:errors.too_many_validations' }, 429);
      }
      try {
        await validateVehicle(deps.relay, vehicle, fleetUser(ctx).accountId);
      } catch (error) {
        if (!(error instanceof Conflict)) throw error;
        return show(ctx, await vehicleOf(ctx), { error: 'platform:vehicle.not_now' }, 409);
      }
      done(ctx, vehicle, 'validated');
    },
    async correct(ctx: Context) {
      const vehicle = await vehicleOf(ctx);
      const body = (ctx.request.body ?? {}) as Record<string, unknown>;
      try {
        await updateVehicle(deps.vehicles, vehicle, { tracker_id: body.tracker_id });
      } catch (error) {
        if (error instanceof InvalidInput)
          return show(
            ctx,
            vehicle,
            {
              trackerIdError: error.problems[0]?.messageKey,
              trackerIdValue: typeof body.tracker_id === 'string' ? body.tracker_id : '',
            },
            400,
          );
        if (error instanceof Conflict) return show(ctx, vehicle, { error: error.messageKey }, 409);
        throw error;
      }
      done(ctx, vehicle, 'corrected');
    },
    /** The vehicle's details (plate, make, model, and the odometer where the provider asks for it). */
    async details(ctx: Context) {
      const vehicle = await vehicleOf(ctx);
      const body = (ctx.request.body ?? {}) as Record<string, unknown>;
      const objectId: Record<string, unknown> = { ...vehicle.objectId };
      for (const field of ['license_plate', 'make', 'model'] as const) {
        const value = typeof body[field] === 'string' ? (body[field] as string).trim() : '';
        if (value) objectId[field] = value;
        else delete objectId[field];
      }
      const changes: Record<string, unknown> = { object_id: objectId };
      if (typeof body.odometer === 'string' && body.odometer.trim() !== '') {
        const odometer = body.odometer.trim();
        changes.odometer = /^\d+$/.test(odometer) ? Number(odometer) : odometer;
      }
      try {
        await updateVehicle(deps.vehicles, vehicle, changes);
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        return show(ctx, vehicle, { detailsError: error.problems[0]?.messageKey }, 400);
      }
      done(ctx, vehicle, 'details');
    },
    async confirmRemoval(ctx: Context) {
      const vehicle = await vehicleOf(ctx);
      render(ctx, 'platform/remove.njk', { vehicle: vehicleRow(vehicle), page: pageOf(vehicle) });
    },
    async remove(ctx: Context) {
      const vehicle = await vehicleOf(ctx);
      try {
        await removeVehicle(deps.relay, vehicle, fleetUser(ctx).accountId);
      } catch (error) {
        if (!(error instanceof Conflict)) throw error;
        return show(ctx, await vehicleOf(ctx), { error: 'platform:vehicle.not_now' }, 409);
      }
      done(ctx, vehicle, 'removed');
    },
  };
}
