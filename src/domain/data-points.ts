// The catalogue of vehicle data points an app may ask for; each id is also an OAuth2 scope value
// (RFC 6749 §3.3), so the ids are a stable public contract. Grouping follows the makers' data point
// catalogues; the consent page lists them by group and marks the sensitive ones (where the vehicle is or
// is going reveals where its driver is).

export const dataPointGroups = ['location_trips', 'vehicle_state', 'energy_charging', 'service'] as const;
export type DataPointGroup = (typeof dataPointGroups)[number];

const catalogue = [
  { id: 'location', group: 'location_trips', sensitive: true }, // latitude, longitude, heading
  { id: 'mileage', group: 'vehicle_state', sensitive: false }, // odometer
  { id: 'ignition', group: 'vehicle_state', sensitive: false }, // ignition and engine state
  { id: 'battery_level', group: 'energy_charging', sensitive: false },
  { id: 'lights', group: 'vehicle_state', sensitive: false },
  { id: 'doors_locks', group: 'vehicle_state', sensitive: false },
  { id: 'energy_level', group: 'energy_charging', sensitive: false }, // fuel or charge level
  { id: 'maintenance', group: 'service', sensitive: false }, // condition based services
  { id: 'navigation_destination', group: 'location_trips', sensitive: true },
  { id: 'vehicle_moving', group: 'location_trips', sensitive: false },
] as const satisfies readonly { id: string; group: DataPointGroup; sensitive: boolean }[];

export type DataPoint = (typeof catalogue)[number]['id'];

export const dataPoints: readonly DataPoint[] = catalogue.map((entry) => entry.id);

const known = new Map<string, (typeof catalogue)[number]>(catalogue.map((entry) => [entry.id, entry]));

export function isDataPoint(value: unknown): value is DataPoint {
  return typeof value === 'string' && known.has(value);
}

/** The data point's group and whether it is sensitive; undefined for an unknown id. */
export function describeDataPoint(id: string): { group: DataPointGroup; sensitive: boolean } | undefined {
  const entry = known.get(id);
  return entry ? { group: entry.group, sensitive: entry.sensitive } : undefined;
}

/** `ids` (known data points only) by group, in the groups' order, each group in catalogue order. */
export function groupDataPoints(
  ids: readonly string[],
): Array<{ group: DataPointGroup; dataPoints: Array<{ id: DataPoint; sensitive: boolean }> }> {
  const wanted = new Set(ids);
  return dataPointGroups
    .map((group) => ({
      group,
      dataPoints: catalogue
        .filter((entry) => entry.group === group && wanted.has(entry.id))
        .map((entry) => ({ id: entry.id, sensitive: entry.sensitive })),
    }))
    .filter((entry) => entry.dataPoints.length > 0);
}
