// The data providers a fleet registers trackers with, and what each needs: the connection type it
// fixes (a car maker is `oem`; Astrata is an OBD dongle; Targa and Cartrack sit on the CAN bus), what
// its tracker id is (a VIN for a car maker, the device's own id for hardware and scooters), and the extra fields it
// requires (Mercedes-Benz: the odometer and an image of the registration certificate). One table, read
// by the fleet API, the Platform and the simulator.
import { brandOfWmi, type ProviderId } from '../vehicles/brands.ts';
import { normalizeVin, vinLength } from '../vehicles/vin.ts';

export const trackerTypes = ['oem', 'obd', 'canbus'] as const;
export type TrackerType = (typeof trackerTypes)[number];

export const fleetProviderIds = [
  'mercedes-benz',
  'bmw',
  'stellantis',
  'silence',
  'html5',
  'targa',
  'astrata',
  'cartrack',
] as const;
export type FleetProviderId = (typeof fleetProviderIds)[number];

export interface FleetProvider {
  readonly id: FleetProviderId;
  /** A car maker asks the vehicle's primary user; hardware pairs with the device by itself. */
  readonly kind: 'oem' | 'hardware';
  readonly type: TrackerType;
  readonly trackerId: 'vin' | 'device_id';
  readonly requiresOdometer: boolean;
  readonly requiresRegistrationDocument: boolean;
}

const oem = (id: FleetProviderId, extra: Partial<FleetProvider> = {}): FleetProvider => ({
  id,
  kind: 'oem',
  type: 'oem',
  trackerId: 'vin',
  requiresOdometer: false,
  requiresRegistrationDocument: false,
  ...extra,
});

const hardware = (id: FleetProviderId, type: TrackerType): FleetProvider => ({
  id,
  kind: 'hardware',
  type,
  trackerId: 'device_id',
  requiresOdometer: false,
  requiresRegistrationDocument: false,
});

export const fleetProviders: readonly FleetProvider[] = [
  oem('mercedes-benz', { requiresOdometer: true, requiresRegistrationDocument: true }),
  oem('bmw'),
  oem('stellantis'),
  // Silence scooters and the HTML5 tracker (a phone's browser riding along) report through their own
  // connectivity, so their type is `oem`; like the other hardware they are known by a device id and pair
  // by themselves.
  hardware('silence', 'oem'),
  hardware('html5', 'oem'),
  hardware('targa', 'canbus'),
  hardware('astrata', 'obd'),
  hardware('cartrack', 'canbus'),
];

const byId = new Map<string, FleetProvider>(fleetProviders.map((provider) => [provider.id, provider]));

export function findFleetProvider(id: unknown): FleetProvider | undefined {
  return typeof id === 'string' ? byId.get(id) : undefined;
}

/** The journey's makers whose VINs are checked against their World Manufacturer Identifiers. */
const wmiCheckedProviders: ReadonlySet<string> = new Set<ProviderId>(['bmw', 'mercedes-benz', 'stellantis']);

export type TrackerIdProblem = 'missing' | 'vin_length' | 'vin_characters' | 'vin_wrong_maker' | 'device_id';

/** The tracker id as stored (a VIN uppercased without spaces or hyphens), or why it is not acceptable. */
export function checkTrackerId(
  provider: FleetProvider,
  raw: unknown,
): { ok: true; trackerId: string } | { ok: false; problem: TrackerIdProblem } {
  if (typeof raw !== 'string' || raw.trim() === '') return { ok: false, problem: 'missing' };
  if (provider.trackerId === 'device_id') {
    const id = raw.trim();
    return /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/.test(id)
      ? { ok: true, trackerId: id }
      : { ok: false, problem: 'device_id' };
  }
  const vin = normalizeVin(raw);
  if (Array.from(vin).length !== vinLength) return { ok: false, problem: 'vin_length' };
  if (!/^[A-HJ-NPR-Z0-9]+$/.test(vin)) return { ok: false, problem: 'vin_characters' };
  if (wmiCheckedProviders.has(provider.id) && brandOfWmi(vin.slice(0, 3))?.provider !== provider.id)
    return { ok: false, problem: 'vin_wrong_maker' };
  return { ok: true, trackerId: vin };
}
