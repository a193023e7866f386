// What the Platform's pages show of a vehicle: the API's presentation, plus the plate and model from
// `object_id` and the times as ISO strings for <time>.
import type { FleetVehicle } from '../storage/fleet-vehicles.ts';

export function vehicleRow(vehicle: FleetVehicle) {
  return {
    id: vehicle.id,
    trackerId: vehicle.trackerId,
    provider: vehicle.provider,
    type: vehicle.type,
    vin: vehicle.vin,
    plate: vehicle.objectId.license_plate ?? '',
    model: [vehicle.objectId.make, vehicle.objectId.model].filter(Boolean).join(' '),
    status: vehicle.status,
    changedAt: new Date(vehicle.statusChangedAt).toISOString(),
  };
}
