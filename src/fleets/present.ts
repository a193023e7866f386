// The fleet API's JSON shapes of a vehicle and a document (snake_case, times in ISO 8601 UTC).
import { statusCategory } from '../domain/fleet/categories.ts';
import type { FleetDocument } from '../storage/fleet-documents.ts';
import type { FleetVehicle } from '../storage/fleet-vehicles.ts';

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
