// Registering a batch of a fleet's vehicles: `{vehicles:[…]}` with 1 to 1,000 items. A body that is not
// such a batch, or names one tracker twice, is refused whole (400, every problem listed, nothing stored);
// otherwise each item gets its own result: the registered vehicle (new, or the one already registered
// with that provider and tracker id) or its problems. A bad item never stops the good ones.
import { dataPoints } from '../domain/data-points.ts';
import { InvalidInput, type Problem } from '../errors.ts';
import type { FleetDocumentsRepository } from '../storage/fleet-documents.ts';
import type { FleetVehicle, FleetVehiclesRepository, NewFleetVehicle } from '../storage/fleet-vehicles.ts';
import type { Fleet } from '../storage/fleets.ts';
import { newVehicleId } from './ids.ts';
import { checkVehicle, type ItemProblem } from './vehicle-input.ts';

export const maxBatchSize = 1000;

export type ItemResult =
  | { index: number; vehicle: FleetVehicle; created: boolean }
  | { index: number; trackerId: unknown; problems: ItemProblem[] };

const batchProblem = (pointer: string, code: string, messageValues?: Record<string, unknown>): Problem => ({
  pointer,
  code,
  messageKey: `fleets:problems.${code}`,
  ...(messageValues ? { messageValues } : {}),
});

/** The items of a well-formed batch; refuses anything else with every problem at once. */
function batchItems(body: unknown): unknown[] {
  const vehicles = (body as { vehicles?: unknown } | undefined)?.vehicles;
  if (typeof body !== 'object' || body === null || !Array.isArray(vehicles))
    throw new InvalidInput({
      messageKey: 'fleets:errors.invalid_request',
      problems: [batchProblem('/vehicles', 'vehicles_required')],
    });
  if (vehicles.length === 0 || vehicles.length > maxBatchSize)
    throw new InvalidInput({
      messageKey: 'fleets:errors.invalid_request',
      problems: [batchProblem('/vehicles', 'batch_size', { max: maxBatchSize, count: vehicles.length })],
    });
  return vehicles;
}

export type VehicleCheck = Awaited<ReturnType<typeof checkVehicle>>;

/** What a batch's checks found, item by item, before anything is stored. */
export interface BatchCheck {
  items: unknown[];
  /** Each item's checked vehicle or its problems, in the batch's order. */
  checked: VehicleCheck[];
  /** Good items whose provider and tracker id an earlier good item has: their index and the first's. */
  duplicates: { index: number; first: number }[];
}

export interface BatchCheckDependencies {
  documents: FleetDocumentsRepository;
  providerAvailable(id: string): boolean;
}

/**
 * Every check of a registration, storing nothing: the batch's shape (refused whole, InvalidInput), each
 * item against its provider's rules with the fleet's documents, and trackers named twice. The one path
 * both the API's registration and the Platform's CSV preview take.
 */
export async function checkBatch(
  deps: BatchCheckDependencies,
  fleet: Pick<Fleet, 'id'>,
  body: unknown,
): Promise<BatchCheck> {
  const items = batchItems(body);
  const documentIds = items.flatMap((item) => {
    const id = (item as { registration_document_id?: unknown } | null)?.registration_document_id;
    return typeof id === 'string' ? [id] : [];
  });
  const owned = await deps.documents.owned(fleet.id, [...new Set(documentIds)]);
  const context = {
    ownsDocument: async (id: string) => owned.has(id),
    providerAvailable: deps.providerAvailable,
  };
  const checked = await Promise.all(items.map((item) => checkVehicle(item, context)));

  const firstIndex = new Map<string, number>();
  const duplicates: { index: number; first: number }[] = [];
  checked.forEach((check, index) => {
    if (!check.ok) return;
    const key = `${check.vehicle.provider}:${check.vehicle.trackerId}`;
    const first = firstIndex.get(key);
    if (first === undefined) firstIndex.set(key, index);
    else duplicates.push({ index, first });
  });
  return { items, checked, duplicates };
}

export async function registerVehicles(
  deps: BatchCheckDependencies & { vehicles: FleetVehiclesRepository },
  fleet: Fleet,
  body: unknown,
  /** The fleet user who registers them from the Platform (kept in each vehicle's audit trail). */
  actor?: string,
): Promise<ItemResult[]> {
  const { items, checked, duplicates } = await checkBatch(deps, fleet, body);
  if (duplicates.length > 0)
    throw new InvalidInput({
      messageKey: 'fleets:errors.invalid_request',
      problems: duplicates.map(({ index, first }) =>
        batchProblem(`/vehicles/${index}/tracker_id`, 'duplicate_tracker_id', { first, index }),
      ),
    });

  const accepted: { index: number; vehicle: NewFleetVehicle }[] = [];
  const results: ItemResult[] = new Array(items.length);
  checked.forEach((check, index) => {
    // Ids in the batch's order: listing in id order is listing in registration order.
    if (check.ok) accepted.push({ index, vehicle: { id: newVehicleId(), ...check.vehicle } });
    else
      results[index] = {
        index,
        trackerId: (items[index] as { tracker_id?: unknown } | null)?.tracker_id,
        problems: check.problems,
      };
  });
  const registered = await deps.vehicles.register(
    fleet,
    accepted.map((item) => item.vehicle),
    [...dataPoints],
    actor,
  );
  registered.forEach((result, n) => {
    const index = accepted[n]?.index ?? 0;
    results[index] = { index, ...result };
  });
  return results;
}
