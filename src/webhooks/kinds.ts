// The kinds of webhook Keyturn sends, each with its receiver and body:
// - `authorization_changed` to an app: `{vehicle:{vin}, event, application:{id}, authorization:{status}}`;
// - `fleet_clearance_changed` to a fleet: `{vehicle:{id, tracker_id, vin}, event, fleet:{id},
//   clearance:{status}}`;
// - `ping` to a fleet, a test event its admin sends from the Platform: `{event:{type, received_at},
//   fleet:{id}}`.
// `event` is `{type, received_at, action}` (a ping's has no `action`): `action` is `manual` when a person
// asked for the change (a fleet validating or removing its vehicle), `automatic` otherwise.
import type { AppsRepository } from '../storage/apps.ts';
import type { FleetVehiclesRepository } from '../storage/fleet-vehicles.ts';
import type { FleetsRepository } from '../storage/fleets.ts';
import type { WebhookKind, WebhookReceiver } from './deliver.ts';

/** The outbox job kind of a fleet's test event (stored with each job: it never changes). */
export const fleetPingJob = 'fleet_webhook_ping';

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
