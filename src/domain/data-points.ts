// The catalogue of vehicle data points an app may ask for; each id is also an OAuth2 scope value
// (RFC 6749 §3.3), so the ids are a stable public contract. Grouping follows the makers' data point
// catalogues.

export const dataPoints = [
  'location', // latitude, longitude, heading
  'mileage', // odometer
  'ignition', // ignition and engine state
  'battery_level',
  'lights',
  'doors_locks',
  'energy_level', // fuel or charge level
  'maintenance', // condition based services
  'navigation_destination',
  'vehicle_moving',
] as const;

export type DataPoint = (typeof dataPoints)[number];

const known = new Set<string>(dataPoints);

export function isDataPoint(value: unknown): value is DataPoint {
  return typeof value === 'string' && known.has(value);
}
