// The bodies of the webhooks Keyturn sends, one discriminated union on `event.type`, as the OpenAPI
// document's `webhooks` describe them.
import type { AuthorizationStatusValue, ClearanceStatus, VehicleEventType } from './types.ts';

/** Who a webhook is for: an app (its `client_id`) or a fleet. */
export type WebhookReceiver = { application: { id: string } } | { fleet: { id: string } };

/** `manual` when a person asked for the change (a fleet validating or removing its vehicle). */
export type WebhookAction = 'manual' | 'automatic';

export interface AuthorizationChangedWebhook {
  vehicle: { vin: string };
  event: { type: 'authorization_changed'; received_at: string; action: WebhookAction };
  application: { id: string };
  authorization: { status: AuthorizationStatusValue };
}

export interface FleetClearanceChangedWebhook {
  vehicle: { id: string; tracker_id: string | null; vin: string | null };
  event: { type: 'fleet_clearance_changed'; received_at: string; action: WebhookAction };
  fleet: { id: string };
  clearance: { status: ClearanceStatus };
}

/** The properties of a vehicle event the receiver's grant covers (a fleet gets every one). */
export interface VehicleEventData {
  latitude?: number;
  longitude?: number;
  heading?: number;
  ignition?: boolean;
  engine_on?: boolean;
  /** Kilometres. */
  mileage?: number;
  /** Percent. */
  battery_level?: number;
  front_exterior_lights?: 'inactive' | 'active' | 'automatic' | 'dipped_headlights';
  vehicle_moving?: boolean;
  /** Seconds. */
  navigation_arrival_duration?: number;
  navigation_destination?: { latitude: number; longitude: number };
  condition_based_services?: {
    id: string;
    status: 'ok' | 'pending' | 'overdue';
    due_date?: string;
    due_distance_km?: number;
  }[];
  mobile_connection?: boolean;
  vehicle_time?: string;
}

/** One vehicle event type's webhook: `serial_number` is Keyturn's id of the clearance (a fleet's vehicle id). */
export type VehicleEventWebhook<Type extends VehicleEventType = VehicleEventType> = {
  vehicle: { vin: string; serial_number: string };
  event: { type: Type; received_at: string; action: 'automatic' };
  data: VehicleEventData;
} & WebhookReceiver;

export type PingWebhook = {
  event: { type: 'ping'; received_at: string };
} & WebhookReceiver;

/** The body of each webhook type Keyturn sends. */
export interface WebhookBodies {
  authorization_changed: AuthorizationChangedWebhook;
  fleet_clearance_changed: FleetClearanceChangedWebhook;
  accident_reported: VehicleEventWebhook<'accident_reported'>;
  emergency_reported: VehicleEventWebhook<'emergency_reported'>;
  battery_guard_warning: VehicleEventWebhook<'battery_guard_warning'>;
  maintenance_changed: VehicleEventWebhook<'maintenance_changed'>;
  vehicle_location_changed: VehicleEventWebhook<'vehicle_location_changed'>;
  ping: PingWebhook;
}

export type WebhookType = keyof WebhookBodies;

/** Any webhook body Keyturn sends. */
export type KeyturnWebhook = WebhookBodies[WebhookType];

/**
 * A verified webhook: narrow on `type` (the body's `event.type`) to get its typed `body`. `id` is the same
 * on every redelivery of one message: deduplicate on it.
 */
export type VerifiedWebhook = {
  [Type in WebhookType]: { type: Type; id: string; timestamp: Date; body: WebhookBodies[Type] };
}[WebhookType];

/** Every webhook type, to check a body's type at run time. */
export const webhookTypes: readonly WebhookType[] = [
  'authorization_changed',
  'fleet_clearance_changed',
  'accident_reported',
  'emergency_reported',
  'battery_guard_warning',
  'maintenance_changed',
  'vehicle_location_changed',
  'ping',
];
