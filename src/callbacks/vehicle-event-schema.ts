// The body of a maker's callback: `{type, timestamp, data:{clearance_id, vin, …properties}}`. The
// `authorization_changed` status change, or a vehicle event whose properties are checked by their shape
// (a value out of range is a malformed callback: 400); a property the table does not name is dropped, never
// stored or forwarded.
import { z } from 'zod';
import { type EventProperty, vehicleEventTypes } from '../domain/vehicle-events.ts';

const coordinate = { latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) };

/** Each property's shape. Distances in kilometres, durations in seconds, levels in percent. */
export const propertyShapes = {
  ...coordinate,
  heading: z.number().min(0).max(360),
  ignition: z.boolean(),
  engine_on: z.boolean(),
  mileage: z.number().min(0).max(10_000_000),
  battery_level: z.number().min(0).max(100),
  front_exterior_lights: z.enum(['inactive', 'active', 'automatic', 'dipped_headlights']),
  vehicle_moving: z.boolean(),
  navigation_arrival_duration: z
    .number()
    .int()
    .min(0)
    .max(31 * 86_400),
  navigation_destination: z.object(coordinate),
  condition_based_services: z
    .array(
      z.object({
        id: z.string().min(1).max(60),
        status: z.enum(['ok', 'pending', 'overdue']),
        due_date: z.iso.date().optional(),
        due_distance_km: z.number().min(0).max(1_000_000).optional(),
      }),
    )
    .max(50),
  mobile_connection: z.boolean(),
  vehicle_time: z.iso.datetime({ offset: true }),
} satisfies Record<EventProperty, z.ZodType>;

const identity = { clearance_id: z.string().min(1).max(255), vin: z.string().max(17) };
const timestamp = z.iso.datetime({ offset: true });

const optionalProperties = Object.fromEntries(
  Object.entries(propertyShapes).map(([property, shape]) => [property, shape.optional()]),
) as { [P in EventProperty]: z.ZodOptional<(typeof propertyShapes)[P]> };

export const callbackSchema = z.union([
  z.object({
    type: z.literal('authorization_changed'),
    timestamp,
    data: z.object({ ...identity, status: z.string() }),
  }),
  z.object({
    type: z.enum(vehicleEventTypes),
    timestamp,
    data: z.object({ ...identity, ...optionalProperties }),
  }),
]);

export type Callback = z.infer<typeof callbackSchema>;
