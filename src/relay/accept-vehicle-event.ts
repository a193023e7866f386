// A vehicle event from a maker (an accident, an emergency call, a battery warning, maintenance, a new
// location), in one transaction with the clearance it concerns locked:
// - a redelivery of the same event changes nothing (one webhook, one ledger line, however many arrive);
// - a clearance that may not flow data (pending, rejected, revoked, disconnected, expired) takes it in and
//   drops it: nothing is stored, forwarded or charged; so does one taken before the last status the maker
//   reported (a position from before the owner approved is never passed on);
// - otherwise data has arrived (an approved clearance becomes connected), and when the receiver (the app
//   or fleet holding the clearance) subscribed to the type and has a webhook endpoint, the webhook is
//   queued with `data` cut to the properties the grant's scopes cover, and charged on the usage ledger.
// The billing month is the month (UTC) Keyturn received the event, which is also the webhook's
// `event.received_at`: a maker's clock cannot move a charge into another month.
import { transition } from '../domain/clearance/state-machine.ts';
import { mayDataFlow } from '../domain/clearance/status.ts';
import { filterEventData, type VehicleEventType } from '../domain/vehicle-events.ts';
import type { Clearance } from '../storage/clearances.ts';
import type { UsageLedgerRepository } from '../storage/usage-ledger.ts';
import { billingMonth, listPriceCents, type Pricing } from '../usage/pricing.ts';
import { lockClearanceFor, moveClearance, type RelayStore } from './apply-clearance-event.ts';

/** The outbox job kind of a vehicle event webhook (stored with each job: it never changes). */
export const vehicleEventJob = 'vehicle_event_webhook';

/** Whoever holds a clearance, as far as its vehicle events go. */
export interface EventReceiver {
  clientId: string;
  eventTypes: readonly VehicleEventType[];
  webhookUrl: string | null;
}

export interface VehicleEventStore extends RelayStore {
  usage: UsageLedgerRepository;
  pricing: Pricing;
  /** The app or fleet holding `clearance`. */
  receiverOf(clearance: Clearance): Promise<EventReceiver | undefined>;
}

export interface VehicleEventInput {
  clearanceId: string;
  provider: string;
  vin: string;
  /** Provider-scoped id of the inbound event (`bmw:msg_…`). */
  sourceEventId: string;
  type: VehicleEventType;
  /** When the maker says it happened (epoch ms). */
  occurredAt: number;
  /** When Keyturn received it (epoch ms): the billing month and the webhook's `received_at`. */
  receivedAt: number;
  /** The event's properties (unchecked ones already left out). */
  data: Record<string, unknown>;
}

export type VehicleEventOutcome =
  | { outcome: 'not_found' | 'duplicate' | 'dropped' | 'stale' }
  | { outcome: 'changed' | 'unchanged'; forwarded: boolean };

export function acceptVehicleEvent(
  store: VehicleEventStore,
  input: VehicleEventInput,
): Promise<VehicleEventOutcome> {
  return store.transactions.transaction(async (): Promise<VehicleEventOutcome> => {
    const clearance = await lockClearanceFor(store, input);
    if (!('id' in clearance)) return clearance;
    if (!mayDataFlow(clearance.status)) return { outcome: 'dropped' };
    // Taken before the last status the maker reported (before the owner approved, say): never passed on.
    const occurredAt = Math.min(input.occurredAt, input.receivedAt);
    if (clearance.lastEventAt !== null && occurredAt < clearance.lastEventAt) return { outcome: 'stale' };
    // Data arriving moves an approved clearance to connected. Data events among themselves keep no order:
    // the move leaves the time of the maker's last status as it is, so an earlier position still counts.
    const move = transition(clearance.status, 'data_received');
    const changed = move.ok && move.changed;
    if (changed) {
      await moveClearance(
        store,
        clearance,
        {
          clearanceId: clearance.id,
          event: 'data_received',
          // A position is what makers send first once data flows; the audit trail has long said so.
          cause: input.type === 'vehicle_location_changed' ? 'oem_first_position' : `oem_${input.type}`,
          sourceEventId: input.sourceEventId,
          provider: input.provider,
        },
        undefined,
      );
    }
    const outcome = changed ? 'changed' : 'unchanged';
    const receiver = await store.receiverOf(clearance);
    if (!receiver?.webhookUrl || !receiver.eventTypes.includes(input.type))
      return { outcome, forwarded: false };

    await store.outbox.enqueue(
      vehicleEventJob,
      {
        clearanceId: clearance.id,
        clientId: receiver.clientId,
        fleetId: clearance.fleetId,
        vin: clearance.vin,
        type: input.type,
        eventId: input.sourceEventId,
        occurredAt: input.receivedAt,
        data: filterEventData(input.type, input.data, clearance.scopes),
      },
      { dedupeKey: `${vehicleEventJob}:${input.sourceEventId}:${receiver.clientId}` },
    );
    await store.usage.charge({
      clientId: receiver.clientId,
      vin: clearance.vin,
      clearanceId: clearance.id,
      eventType: input.type,
      eventId: input.sourceEventId,
      month: billingMonth(input.receivedAt),
      listPriceCents: listPriceCents(store.pricing, input.type),
      monthlyCapCents: store.pricing.monthlyCapCents,
      receivedAt: input.receivedAt,
    });
    return { outcome, forwarded: true };
  });
}
