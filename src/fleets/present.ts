// The fleet API's JSON shapes of a vehicle, a batch's item result and a document (snake_case, times in ISO 8601 UTC).
import { statusCategory } from '../domain/fleet/categories.ts';
import type { Translate } from '../i18n/index.ts';
import type { FleetDocument } from '../storage/fleet-documents.ts';
import type { FleetVehicle } from '../storage/fleet-vehicles.ts';
import type { ItemResult } from './register-vehicles.ts';

const iso = (ms: number) => new Date(ms).toISOString();

export function presentVehicle(vehicle: FleetVehicle) {
  return {
    id: vehicle.id,
    tracker_id: vehicle.trackerId,
    provider: vehicle.provider,
    type: vehicle.type,
    vin: vehicle.vin || null,
    object_id: vehicle.objectId,
    odometer: vehicle.odometer,
    registration_document_id: vehicle.registrationDocumentId,
    validation_status: vehicle.status,
    status_category: statusCategory(vehicle.status),
    status_changed_at: iso(vehicle.statusChangedAt),
    created_at: iso(vehicle.createdAt),
  };
}

export function presentChangelog(entries: { timestamp: number; status: string; reason: string }[]) {
  return entries.map((entry) => ({
    timestamp: iso(entry.timestamp),
    status: entry.status,
    reason: entry.reason,
  }));
}

export function presentDocument(document: FleetDocument) {
  return {
    id: document.id,
    content_type: document.contentType,
    size: document.size,
    sha256: document.sha256,
    created_at: iso(document.createdAt),
  };
}

/** One item of a batch's answer: the vehicle registered (or already there), or its problems. */
export function presentItemResult(result: ItemResult, t: Translate) {
  if ('vehicle' in result)
    return {
      index: result.index,
      id: result.vehicle.id,
      tracker_id: result.vehicle.trackerId,
      provider: result.vehicle.provider,
      type: result.vehicle.type,
      validation_status: result.vehicle.status,
      created: result.created,
    };
  const [first] = result.problems;
  return {
    index: result.index,
    tracker_id: typeof result.trackerId === 'string' ? result.trackerId : null,
    error: {
      code: first?.code ?? 'invalid_vehicle',
      message: first ? t(first.messageKey, first.messageValues) : '',
      problems: result.problems.map((problem) => ({
        pointer: `/vehicles/${result.index}${problem.pointer}`,
        code: problem.code,
        message: t(problem.messageKey, problem.messageValues),
      })),
    },
  };
}
