// Checks one vehicle of a registration (or the changes of an update) against its provider's rules, and
// turns it into typed input: provider known, type the provider's, tracker id of the provider's kind (a VIN
// without I, O or Q and of the provider's maker; a device id), `object_id` string metadata, and what the
// provider requires besides (Mercedes-Benz: odometer in km and a registration document of this fleet).
import { checkTrackerId, type FleetProvider, findFleetProvider } from '../domain/fleet/providers.ts';
import { normalizeVin, vinLength } from '../domain/vehicles/vin.ts';
import type { NewFleetVehicle } from '../storage/fleet-vehicles.ts';

export interface ItemProblem {
  /** The field, as a JSON pointer below the item (`/odometer`); '' for the item itself. */
  pointer: string;
  code: string;
  messageKey: string;
  messageValues?: Record<string, unknown>;
}

const problem = (field: string, code: string, messageValues?: Record<string, unknown>): ItemProblem => ({
  pointer: field ? `/${field}` : '',
  code,
  messageKey: `fleets:problems.${code}`,
  ...(messageValues ? { messageValues } : {}),
});

const maxObjectKeys = 50;
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `object_id`: up to 50 string values under keys of up to 64 characters. */
export function checkObjectId(
  raw: unknown,
): { ok: true; value: Record<string, string> } | { ok: false; problem: ItemProblem } {
  if (raw === undefined || raw === null) return { ok: true, value: {} };
  if (!isRecord(raw)) return { ok: false, problem: problem('object_id', 'invalid_object_id') };
  const entries = Object.entries(raw);
  if (entries.length > maxObjectKeys)
    return { ok: false, problem: problem('object_id', 'invalid_object_id') };
  const value: Record<string, string> = {};
  for (const [key, entry] of entries) {
    if (key.length === 0 || key.length > 64 || typeof entry !== 'string' || entry.length > 256)
      return { ok: false, problem: problem('object_id', 'invalid_object_id') };
    value[key] = entry;
  }
  if (value.vin !== undefined) {
    const vin = normalizeVin(value.vin);
    if (vin.length !== vinLength || !/^[A-HJ-NPR-Z0-9]+$/.test(vin))
      return { ok: false, problem: problem('object_id/vin', 'invalid_vin') };
    value.vin = vin;
  }
  return { ok: true, value };
}

export function checkOdometer(
  raw: unknown,
): { ok: true; value: number | null } | { ok: false; problem: ItemProblem } {
  if (raw === undefined || raw === null) return { ok: true, value: null };
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0 || raw > 10_000_000)
    return { ok: false, problem: problem('odometer', 'invalid_odometer') };
  return { ok: true, value: raw };
}

/** The vehicle's VIN: its tracker id at a car maker, `object_id.vin` for a tracker ('' when not given). */
export function vinOf(provider: FleetProvider, trackerId: string, objectId: Record<string, string>): string {
  return provider.trackerId === 'vin' ? trackerId : (objectId.vin ?? '');
}

export function trackerIdProblem(reason: string): ItemProblem {
  if (reason === 'missing') return problem('tracker_id', 'tracker_id_required');
  return {
    ...problem('tracker_id', 'invalid_tracker_id'),
    messageKey: `fleets:problems.tracker_id.${reason}`,
  };
}

export interface VehicleInputContext {
  /** Whether the fleet uploaded a document with this id. */
  ownsDocument(id: string): Promise<boolean>;
  /** Whether this Keyturn can reach the provider (its API is configured). */
  providerAvailable(id: string): boolean;
}

/** A checked vehicle, before it has an id. */
export type CheckedVehicle = Omit<NewFleetVehicle, 'id'>;

/** The registration of one item, or every problem with it. */
export async function checkVehicle(
  raw: unknown,
  context: VehicleInputContext,
): Promise<{ ok: true; vehicle: CheckedVehicle } | { ok: false; problems: ItemProblem[] }> {
  if (!isRecord(raw)) return { ok: false, problems: [problem('', 'invalid_vehicle')] };
  const problems: ItemProblem[] = [];
  const provider = findFleetProvider(raw.provider);
  if (!provider)
    return {
      ok: false,
      problems: [problem('provider', raw.provider === undefined ? 'provider_required' : 'unknown_provider')],
    };
  if (!context.providerAvailable(provider.id))
    return {
      ok: false,
      problems: [problem('provider', 'provider_not_available', { provider: provider.id })],
    };
  if (raw.type === undefined) problems.push(problem('type', 'type_required'));
  else if (raw.type !== provider.type)
    problems.push(problem('type', 'type_mismatch', { provider: provider.id, type: provider.type }));
  const tracker = checkTrackerId(provider, raw.tracker_id);
  if (!tracker.ok) problems.push(trackerIdProblem(tracker.problem));
  const objectId = checkObjectId(raw.object_id);
  if (!objectId.ok) problems.push(objectId.problem);
  const odometer = checkOdometer(raw.odometer);
  if (!odometer.ok) problems.push(odometer.problem);
  else if (odometer.value === null && provider.requiresOdometer)
    problems.push(problem('odometer', 'odometer_required', { provider: provider.id }));
  const documentId = raw.registration_document_id;
  if (documentId === undefined || documentId === null) {
    if (provider.requiresRegistrationDocument)
      problems.push(
        problem('registration_document_id', 'registration_document_required', { provider: provider.id }),
      );
  } else if (typeof documentId !== 'string' || !(await context.ownsDocument(documentId))) {
    problems.push(problem('registration_document_id', 'unknown_document'));
  }
  if (problems.length > 0 || !tracker.ok || !objectId.ok || !odometer.ok) return { ok: false, problems };
  return {
    ok: true,
    vehicle: {
      trackerId: tracker.trackerId,
      provider: provider.id,
      type: provider.type,
      objectId: objectId.value,
      odometer: odometer.value,
      registrationDocumentId: typeof documentId === 'string' ? documentId : null,
      vin: vinOf(provider, tracker.trackerId, objectId.value),
    },
  };
}
