// The kinds of webhook Keyturn sends, each with its receiver and body:
// - `authorization_changed` to an app: `{vehicle:{vin}, event, application:{id}, authorization:{status}}`;
// - `fleet_clearance_changed` to a fleet: `{vehicle:{id, tracker_id, vin}, event, fleet:{id},
//   clearance:{status}}`.
// `event` is `{type, received_at, action}`: `action` is `manual` when a person asked for the change (a fleet
// validating or removing its vehicle), `automatic` otherwise.
import type { AppsRepository } from '../storage/apps.ts';
import type { FleetVehiclesRepository } from '../storage/fleet-vehicles.ts';
import type { FleetsRepository } from '../storage/fleets.ts';
import type { WebhookKind } from './deliver.ts';

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
    async disable(receiver, reason) {
      const fleet = await fleets.findByClientId(receiver.clientId);
      if (fleet) await fleets.disableWebhook(fleet.id, reason);
    },
  };
}
