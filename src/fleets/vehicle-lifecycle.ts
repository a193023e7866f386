// What a fleet does with a registered vehicle, on the one clearance state machine:
// - validate: `pending` (or a retryable error: unknown tracker id once corrected, timed out, the provider
//   could not be asked) → `pending_validation`, and the request to the provider is queued in the same
//   transaction (retried until the provider takes it). Asked again while it runs, nothing new is sent.
// - remove: cancelled → `disconnected`; the provider is asked to revoke its side if it has one.
// - update: object_id and odometer at any time; the tracker id only before validation or after the
//   provider did not know it.
import { checkTrackerId, findFleetProvider } from '../domain/fleet/providers.ts';
import { Conflict, InvalidInput, type Problem } from '../errors.ts';
import { type ApplyOutcome, applyClearanceEvent, type RelayStore } from '../relay/apply-clearance-event.ts';
import { enqueueClearanceRequest } from '../relay/request-clearance.ts';
import type { FleetVehicle, FleetVehiclesRepository, VehicleChanges } from '../storage/fleet-vehicles.ts';
import { checkObjectId, checkOdometer, trackerIdProblem, vinOf } from './vehicle-input.ts';

const notAllowed = (code: string, vehicle: FleetVehicle) =>
  new Conflict(code, { messageKey: `fleets:errors.${code}`, messageValues: { status: vehicle.status } });

/** Whether the change went through (or was already so); otherwise the state does not allow it. */
const applied = (outcome: ApplyOutcome) => outcome.outcome === 'changed' || outcome.outcome === 'unchanged';

/** `actor`: the fleet user who asked, from the Platform (the API's client is the fleet itself). */
export async function validateVehicle(
  relay: RelayStore,
  vehicle: FleetVehicle,
  actor?: string,
): Promise<void> {
  const outcome = await relay.transactions.transaction(async () => {
    const result = await applyClearanceEvent(relay, {
      clearanceId: vehicle.id,
      event: 'validation_requested',
      cause: 'fleet_validation_requested',
      manual: true,
      actor,
    });
    if (result.outcome === 'changed')
      await enqueueClearanceRequest(
        relay,
        vehicle,
        result.from === 'pending' ? 'first' : `again:${result.transitionId}`,
      );
    return result;
  });
  if (!applied(outcome)) throw notAllowed('validation_not_allowed', vehicle);
}

export async function removeVehicle(relay: RelayStore, vehicle: FleetVehicle, actor?: string): Promise<void> {
  const outcome = await applyClearanceEvent(relay, {
    clearanceId: vehicle.id,
    event: 'cancelled',
    cause: 'fleet_removed',
    manual: true,
    actor,
  });
  if (!applied(outcome)) throw notAllowed('removal_not_allowed', vehicle);
}

const trackerIdChangeable = new Set(['pending', 'wrong_tracker_id']);

export async function updateVehicle(
  vehicles: FleetVehiclesRepository,
  vehicle: FleetVehicle,
  body: unknown,
): Promise<void> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new InvalidInput({
      messageKey: 'fleets:errors.invalid_request',
      problems: [{ pointer: '', code: 'invalid_vehicle', messageKey: 'fleets:problems.invalid_vehicle' }],
    });
  const raw = body as Record<string, unknown>;
  const problems: Problem[] = [];
  const known = new Set(['tracker_id', 'object_id', 'odometer']);
  for (const field of Object.keys(raw))
    if (!known.has(field))
      problems.push({
        pointer: `/${field}`,
        code: 'field_not_changeable',
        messageKey: 'fleets:problems.field_not_changeable',
        messageValues: { field },
      });
  const provider = findFleetProvider(vehicle.provider);
  if (!provider) throw new Error(`fleet vehicle ${vehicle.id} has an unknown provider ${vehicle.provider}`);
  const changes: VehicleChanges = {};
  if (raw.tracker_id !== undefined) {
    const tracker = checkTrackerId(provider, raw.tracker_id);
    if (!tracker.ok) problems.push(trackerIdProblem(tracker.problem));
    else changes.trackerId = tracker.trackerId;
  }
  if (raw.object_id !== undefined) {
    const objectId = checkObjectId(raw.object_id);
    if (!objectId.ok) problems.push(objectId.problem);
    else changes.objectId = objectId.value;
  }
  if (raw.odometer !== undefined) {
    const odometer = checkOdometer(raw.odometer);
    if (!odometer.ok) problems.push(odometer.problem);
    else if (odometer.value === null && provider.requiresOdometer)
      problems.push({
        pointer: '/odometer',
        code: 'odometer_required',
        messageKey: 'fleets:problems.odometer_required',
        messageValues: { provider: provider.id },
      });
    else changes.odometer = odometer.value;
  }
  if (problems.length > 0) throw new InvalidInput({ messageKey: 'fleets:errors.invalid_request', problems });
  if (
    changes.trackerId !== undefined &&
    changes.trackerId !== vehicle.trackerId &&
    !trackerIdChangeable.has(vehicle.status)
  )
    throw notAllowed('tracker_id_locked', vehicle);
  const vin = vinOf(provider, changes.trackerId ?? vehicle.trackerId, changes.objectId ?? vehicle.objectId);
  if (vin !== vehicle.vin) changes.vin = vin;
  if (!(await vehicles.update(vehicle, changes))) throw notAllowed('already_registered', vehicle);
}
