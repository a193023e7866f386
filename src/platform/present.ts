// What the Platform's pages show of a vehicle (the plate and model from `object_id`, the times as ISO
// strings for <time>) and of the fleet users who acted (their email addresses).
import type { AccountsRepository } from '../storage/accounts.ts';
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

/** The email address of each account id (an account gone since shows as nothing). */
export async function emailsOf(accounts: AccountsRepository, ids: string[]): Promise<Map<string, string>> {
  const found = await Promise.all([...new Set(ids)].map((id) => accounts.find(id)));
  return new Map(found.flatMap((account) => (account ? [[account.id, account.email]] : [])));
}
