// The simulated car behind a clearance, and what it reports: where it is parked at first (derived from its
// VIN, so the same car always starts in the same place in central Europe), a short drive between two
// position reports, and the properties of each vehicle event type, exactly those the makers' webhook
// table lists for it (domain/vehicle-events.ts), with plausible values in the units Keyturn expects:
// kilometres, seconds, percent, degrees.
import { createHash } from 'node:crypto';
import { type EventProperty, propertiesOf, type VehicleEventType } from '../../domain/vehicle-events.ts';

export interface Car {
  latitude: number;
  longitude: number;
  /** Degrees clockwise from north, [0, 360). */
  heading: number;
  /** Kilometres on the odometer. */
  mileage: number;
  /** Percent. */
  batteryLevel: number;
}

const round = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;

/** Where and how the car with `vin` (or tracker id) stands before its first report. */
export function parkedCar(vin: string): Car {
  const digest = createHash('sha256').update(vin).digest();
  const fraction = (offset: number) => digest.readUInt32BE(offset) / 0xffffffff;
  return {
    latitude: round(47.5 + fraction(0) * 6, 5),
    longitude: round(6 + fraction(4) * 10, 5),
    heading: Math.floor(fraction(8) * 360),
    mileage: Math.round(8_000 + fraction(12) * 90_000),
    batteryLevel: Math.round(55 + fraction(16) * 40),
  };
}

const metresPerDegreeLatitude = 111_320;

/** The car a little later: turned by up to 30°, 100 to 400 m further on, the battery a touch lower. */
export function drive(car: Car, random: () => number = Math.random): Car {
  const heading = (car.heading + Math.round((random() - 0.5) * 60) + 360) % 360;
  const metres = 100 + random() * 300;
  const radians = (heading * Math.PI) / 180;
  const latitude = car.latitude + (metres * Math.cos(radians)) / metresPerDegreeLatitude;
  const longitude =
    car.longitude +
    (metres * Math.sin(radians)) / (metresPerDegreeLatitude * Math.cos((car.latitude * Math.PI) / 180));
  return {
    latitude: round(Math.min(Math.max(latitude, -90), 90), 5),
    longitude: round(((longitude + 540) % 360) - 180, 5),
    heading,
    mileage: round(car.mileage + metres / 1000, 1),
    batteryLevel: Math.max(5, round(car.batteryLevel - 0.1, 1)),
  };
}

const day = 86_400_000;
const isoDate = (at: number) => new Date(at).toISOString().slice(0, 10);

/** Every property's value at `now` for an event of `type`: a stopped car after an accident, and so on. */
function values(type: VehicleEventType, car: Car, now: Date): Record<EventProperty, unknown> {
  const stopped = type === 'accident_reported' || type === 'emergency_reported';
  return {
    latitude: car.latitude,
    longitude: car.longitude,
    heading: car.heading,
    ignition: true,
    // An accident stalls the engine; an emergency call is made with it running.
    engine_on: type !== 'accident_reported',
    mileage: Math.round(car.mileage),
    battery_level:
      type === 'battery_guard_warning' ? Math.min(Math.round(car.batteryLevel), 18) : car.batteryLevel,
    front_exterior_lights: stopped ? 'active' : 'automatic',
    vehicle_moving: !stopped,
    navigation_arrival_duration: 1_260,
    navigation_destination: {
      latitude: round(car.latitude + 0.042, 5),
      longitude: round(car.longitude - 0.031, 5),
    },
    condition_based_services: [
      { id: 'oil', status: 'ok', due_date: isoDate(now.getTime() + 210 * day), due_distance_km: 11_500 },
      { id: 'brake_fluid', status: 'pending', due_date: isoDate(now.getTime() + 28 * day) },
      {
        id: 'vehicle_check',
        status: 'ok',
        due_date: isoDate(now.getTime() + 330 * day),
        due_distance_km: 24_000,
      },
    ],
    mobile_connection: true,
    vehicle_time: now.toISOString(),
  };
}

/** The `data` properties (besides `clearance_id` and `vin`) of an event of `type`: all its table lists. */
export function eventProperties(type: VehicleEventType, car: Car, now: Date): Record<string, unknown> {
  const all = values(type, car, now);
  return Object.fromEntries(propertiesOf[type].map((property) => [property, all[property]]));
}
