// The kinds of webhook Keyturn sends, each with its receiver and body:
// - `authorization_changed` to an app: `{vehicle:{vin}, event, application:{id}, authorization:{status}}`;
// - `fleet_clearance_changed` to a fleet: `{vehicle:{id, tracker_id, vin}, event, fleet:{id},
//   clearance:{status}}`;
// - a vehicle event (`accident_reported`, `vehicle_location_changed`, …) to the app or fleet that subscribed:
//   `{vehicle:{vin, serial_number}, event, application:{id}, data}` (a fleet's names `fleet:{id}` instead of
//   `application`), `serial_number` being Keyturn's id of the clearance (a fleet's vehicle id) and `data` the
//   properties the grant covers, chosen when the event was taken in;
// - `ping` to an app or a fleet, a test event an operator (CLI) or a fleet's admin (Platform) sends:
//   `{event:{type, received_at}, application:{id}}` or `{…, fleet:{id}}`.
// `event` is `{type, received_at, action}` (a ping's has no `action`): `action` is `manual` when a person
// asked for the change (a fleet validating or removing its vehicle), `automatic` otherwise.
import type { AppsRepository } from '../storage/apps.ts';
import type { FleetVehiclesRepository } from '../storage/fleet-vehicles.ts';
import type { FleetsRepository } from '../storage/fleets.ts';
import type { WebhookKind, WebhookReceiver } from './deliver.ts';

/** The outbox job kinds of test events (stored with each job: they never change). */
export const fleetPingJob = 'fleet_webhook_ping';
export const appPingJob = 'app_webhook_ping';

export function authorizationChangedBody(payload: Record<string, unknown>, receivedAt: Date) {
  return {
    vehicle: { vin: payload.vin },
    event: { type: 'authorization_changed', received_at: receivedAt.toISOString(), action: 'automatic' },
    application: { id: payload.clientId },
    authorization: { status: payload.status },
  };
}

export function appWebhooks(apps: AppsRepository): WebhookKind {
  return {
    eventType: 'authorization_changed',
    receiverOf: (payload) => apps.find(String(payload.clientId)),
    body: authorizationChangedBody,
    disable: (app, reason) => apps.disableWebhook(app.clientId, reason),
  };
}

export function fleetWebhooks(fleets: FleetsRepository, vehicles: FleetVehiclesRepository): WebhookKind {
  return {
    eventType: 'fleet_clearance_changed',
    receiverOf: (payload) => fleets.find(String(payload.fleetId)),
    async body(payload, receivedAt) {
      const vehicleId = String(payload.clearanceId);
      const trackerId = await vehicles.trackerIdOf(vehicleId);
      return {
        vehicle: { id: vehicleId, tracker_id: trackerId ?? null, vin: payload.vin || null },
        event: {
          type: 'fleet_clearance_changed',
          received_at: receivedAt.toISOString(),
          action: payload.action === 'manual' ? 'manual' : 'automatic',
        },
        fleet: { id: payload.fleetId },
        clearance: { status: payload.status },
      };
    },
    disable: disableFleetWebhook(fleets),
  };
}

function disableFleetWebhook(fleets: FleetsRepository) {
  return async function disable(receiver: WebhookReceiver, reason: string) {
    const fleet = await fleets.findByClientId(receiver.clientId);
    if (fleet) await fleets.disableWebhook(fleet.id, reason);
  };
}

export function fleetPingBody(payload: Record<string, unknown>, receivedAt: Date) {
  return { event: { type: 'ping', received_at: receivedAt.toISOString() }, fleet: { id: payload.fleetId } };
}

/** A fleet's test event: signed and delivered (and logged) as its other webhooks are. */
export function fleetPingWebhooks(fleets: FleetsRepository): WebhookKind {
  return {
    eventType: 'ping',
    receiverOf: (payload) => fleets.find(String(payload.fleetId)),
    body: fleetPingBody,
    disable: disableFleetWebhook(fleets),
  };
}

export function appPingBody(payload: Record<string, unknown>, receivedAt: Date) {
  return {
    event: { type: 'ping', received_at: receivedAt.toISOString() },
    application: { id: payload.clientId },
  };
}

/** An app's test event (`keyturn webhooks test`): signed, delivered and logged as its other webhooks are. */
export function appPingWebhooks(apps: AppsRepository): WebhookKind {
  return {
    eventType: 'ping',
    receiverOf: (payload) => apps.find(String(payload.clientId)),
    body: appPingBody,
    disable: (app, reason) => apps.disableWebhook(app.clientId, reason),
  };
}

export function vehicleEventBody(payload: Record<string, unknown>, receivedAt: Date) {
  const receiver = payload.fleetId
    ? { fleet: { id: payload.fleetId } }
    : { application: { id: payload.clientId } };
  return {
    vehicle: { vin: payload.vin, serial_number: payload.clearanceId },
    event: { type: payload.type, received_at: receivedAt.toISOString(), action: 'automatic' },
    ...receiver,
    data: payload.data ?? {},
  };
}

/** Vehicle events, to the app or the fleet holding the clearance (whichever the job names). */
export function vehicleEventWebhooks(apps: AppsRepository, fleets: FleetsRepository): WebhookKind {
  const disableFleet = disableFleetWebhook(fleets);
  return {
    eventType: 'vehicle_event',
    eventTypeOf: (payload) => String(payload.type),
    receiverOf: (payload) =>
      payload.fleetId ? fleets.find(String(payload.fleetId)) : apps.find(String(payload.clientId)),
    body: vehicleEventBody,
    async disable(receiver, reason) {
      if (await apps.find(receiver.clientId)) await apps.disableWebhook(receiver.clientId, reason);
      else await disableFleet(receiver, reason);
    },
  };
}
