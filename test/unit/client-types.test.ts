// The client's types hold Keyturn's vocabulary: tsc (npm run typecheck) fails if a `@ts-expect-error`
// below stops being an error, and vitest checks that the client's lists equal the server's enumerations.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type {
  AuthorizationStatusValue,
  ClearanceStatus,
  Introspection,
  KeyturnWebhook,
  StatusCategory,
  VehicleEventType,
  VerifiedWebhook,
  WebhookType,
} from '../../src/client/index.ts';
import { webhookTypes } from '../../src/client/index.ts';
import type * as server from '../../src/domain/clearance/status.ts';
import type { StatusCategory as ServerStatusCategory } from '../../src/domain/fleet/categories.ts';
import { vehicleEventTypes } from '../../src/domain/vehicle-events.ts';

/** What a receiver does with each webhook: every branch sees its own body. */
function describeWebhook(webhook: VerifiedWebhook): string {
  switch (webhook.type) {
    case 'authorization_changed':
      return `${webhook.body.vehicle.vin} ${webhook.body.authorization.status}`;
    case 'fleet_clearance_changed':
      return `${webhook.body.vehicle.id} ${webhook.body.clearance.status}`;
    case 'ping':
      return 'ping';
    default:
      return `${webhook.type} ${webhook.body.vehicle.serial_number}`;
  }
}

const approved: VerifiedWebhook = {
  type: 'authorization_changed',
  id: 'msg_keyturn_1',
  timestamp: new Date(0),
  body: {
    vehicle: { vin: 'WBA8E9G50GNT12345' },
    event: { type: 'authorization_changed', received_at: '2026-01-01T00:00:00.000Z', action: 'automatic' },
    application: { id: 'app' },
    authorization: { status: 'approved' },
  },
};

function typeErrors(webhook: VerifiedWebhook, introspection: Introspection) {
  // @ts-expect-error a type Keyturn never sends cannot be compared with
  if (webhook.type === 'vehicle_moved') return;
  if (webhook.type === 'authorization_changed') {
    // @ts-expect-error an app's status change carries no fleet clearance
    webhook.body.clearance;
  }
  if (webhook.type === 'ping') {
    // @ts-expect-error a ping carries no vehicle
    webhook.body.vehicle;
  }
  // @ts-expect-error an inactive answer has no VIN: check `active` first
  introspection.vin;
  const wrongBody: KeyturnWebhook = {
    vehicle: { vin: 'WBA8E9G50GNT12345' },
    // @ts-expect-error an event type must be one Keyturn sends
    event: { type: 'authorization_revoked', received_at: '', action: 'automatic' },
    application: { id: 'app' },
    authorization: { status: 'revoked' },
  };
  // @ts-expect-error `granted` is no authorization status
  const wrongStatus: AuthorizationStatusValue = 'granted';
  return [wrongBody, wrongStatus];
}

describe('keyturn/client types', () => {
  it('narrows a verified webhook on its type to its own body', () => {
    expect(describeWebhook(approved)).toBe('WBA8E9G50GNT12345 approved');
    expect(typeof typeErrors).toBe('function');
  });

  it('lists every webhook type Keyturn sends, the vehicle event types the server knows among them', () => {
    expect([...webhookTypes].sort()).toEqual(
      ['authorization_changed', 'fleet_clearance_changed', 'ping', ...vehicleEventTypes].sort(),
    );
    expectTypeOf<WebhookType>().toEqualTypeOf<(typeof webhookTypes)[number]>();
    expectTypeOf<VehicleEventType>().toEqualTypeOf<(typeof vehicleEventTypes)[number]>();
  });

  it('has exactly the server’s clearance, authorization and category statuses', () => {
    expectTypeOf<ClearanceStatus>().toEqualTypeOf<server.ClearanceStatus>();
    expectTypeOf<AuthorizationStatusValue>().toEqualTypeOf<server.AuthorizationStatus>();
    expectTypeOf<StatusCategory>().toEqualTypeOf<ServerStatusCategory>();
  });
});
