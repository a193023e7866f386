// The vehicle events makers report and Keyturn forwards to the apps and fleets that subscribe: each type,
// the properties it may carry, and which data point (OAuth scope) a receiver's grant needs for each
// property. `data` sent to a receiver holds only the properties its grant covers; a property not in this
// table is never forwarded. `vehicle_time` and `mobile_connection` describe the event itself (when the car
// stamped it, whether the car was online) rather than the owner, and go with every grant.
import type { DataPoint } from './data-points.ts';

export const vehicleEventTypes = [
  'accident_reported',
  'emergency_reported',
  'battery_guard_warning',
  'maintenance_changed',
  'vehicle_location_changed',
] as const;
export type VehicleEventType = (typeof vehicleEventTypes)[number];

/** The webhook types Keyturn sends that are never charged. */
export const freeEventTypes = ['authorization_changed', 'fleet_clearance_changed', 'ping'] as const;

/** Every event type a receiver can subscribe to (the free status webhooks always go out). */
export const subscribableEventTypes: readonly VehicleEventType[] = vehicleEventTypes;

const known: ReadonlySet<string> = new Set(vehicleEventTypes);

export function isVehicleEventType(value: unknown): value is VehicleEventType {
  return typeof value === 'string' && known.has(value);
}

/** Property → the data point a grant needs to receive it; `null`: part of every event. */
export const eventProperties = {
  latitude: 'location',
  longitude: 'location',
  heading: 'location',
  ignition: 'ignition',
  engine_on: 'ignition',
  mileage: 'mileage',
  battery_level: 'battery_level',
  front_exterior_lights: 'lights',
  vehicle_moving: 'vehicle_moving',
  navigation_arrival_duration: 'navigation_destination',
  navigation_destination: 'navigation_destination',
  condition_based_services: 'maintenance',
  mobile_connection: null,
  vehicle_time: null,
} as const satisfies Record<string, DataPoint | null>;
export type EventProperty = keyof typeof eventProperties;

const snapshot: readonly EventProperty[] = [
  'latitude',
  'longitude',
  'heading',
  'ignition',
  'engine_on',
  'mileage',
  'battery_level',
  'front_exterior_lights',
  'mobile_connection',
  'vehicle_moving',
  'vehicle_time',
];

/** The properties each event type may carry (the makers' webhook table). */
export const propertiesOf: Record<VehicleEventType, readonly EventProperty[]> = {
  accident_reported: [...snapshot, 'navigation_arrival_duration', 'navigation_destination'],
  emergency_reported: snapshot,
  battery_guard_warning: ['battery_level', 'vehicle_time'],
  maintenance_changed: ['condition_based_services', 'mileage', 'vehicle_time'],
  vehicle_location_changed: ['latitude', 'longitude', 'heading', 'vehicle_time'],
};

/** The properties of `data` a grant with `scopes` may receive, in the table's order. */
export function filterEventData(
  type: VehicleEventType,
  data: Record<string, unknown>,
  scopes: readonly string[],
): Record<string, unknown> {
  const granted = new Set(scopes);
  const filtered: Record<string, unknown> = {};
  for (const property of propertiesOf[type]) {
    if (!Object.hasOwn(data, property)) continue;
    const needs = eventProperties[property];
    if (needs === null || granted.has(needs)) filtered[property] = data[property];
  }
  return filtered;
}
