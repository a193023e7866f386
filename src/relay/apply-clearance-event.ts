// Applies one event to a clearance, in one transaction: duplicate deliveries are recognised (exactly one
// change), events older than the last applied one are ignored (a late approval never undoes a revocation),
// the state machine decides the move, the audit trail records it, and when the token's authorization
// status changes the app's `authorization_changed` webhook is queued in the same transaction.
import type { Knex } from 'knex';
import { type ClearanceEvent, transition } from '../domain/clearance/state-machine.ts';
import { authorizationStatus, type ClearanceStatus } from '../domain/clearance/status.ts';
import type { Clearance, ClearancesRepository } from '../storage/clearances.ts';
import type { InboundEventsRepository } from '../storage/inbound-events.ts';
import type { OutboxRepository } from '../storage/outbox.ts';
import { inTransaction } from '../storage/transaction.ts';

export interface RelayStore {
  knex: Knex;
  clearances: ClearancesRepository;
  inboundEvents: InboundEventsRepository;
  outbox: OutboxRepository;
}

export interface ClearanceEventInput {
  clearanceId: string;
  event: ClearanceEvent;
  cause: string;
  /** Provider-scoped id of the inbound event (e.g. `bmw:msg_…`), for exactly-once application. */
  sourceEventId?: string;
  provider?: string;
  /** When the event happened at its source (epoch ms); older than the last applied event → ignored. */
  occurredAt?: number;
  /** The event must concern this vehicle (a maker's callback names it); otherwise → not_found. */
  vin?: string;
}

export type ApplyOutcome =
  | { outcome: 'changed'; clearance: Clearance; from: ClearanceStatus; to: ClearanceStatus }
  | { outcome: 'unchanged' | 'duplicate' | 'stale' | 'refused' | 'not_found' };

export const authorizationChangedJob = 'app_webhook';

export function applyClearanceEvent(store: RelayStore, input: ClearanceEventInput): Promise<ApplyOutcome> {
  return inTransaction(store.knex, async (): Promise<ApplyOutcome> => {
    const clearance = await store.clearances.findForUpdate(input.clearanceId);
    if (!clearance) return { outcome: 'not_found' };
    if (input.provider !== undefined && clearance.provider !== input.provider)
      return { outcome: 'not_found' };
    if (input.vin !== undefined && clearance.vin !== input.vin) return { outcome: 'not_found' };
    if (
      input.sourceEventId &&
      !(await store.inboundEvents.firstSighting(input.sourceEventId, input.provider ?? clearance.provider))
    ) {
      return { outcome: 'duplicate' };
    }
    if (
      input.occurredAt !== undefined &&
      clearance.lastEventAt !== null &&
      input.occurredAt < clearance.lastEventAt
    ) {
      return { outcome: 'stale' };
    }
    const from = clearance.status as ClearanceStatus;
    const result = transition(from, input.event);
    if (!result.ok) return { outcome: 'refused' };
    if (!result.changed) {
      if (input.occurredAt !== undefined)
        await store.clearances.noteEventTime(clearance.id, input.occurredAt);
      return { outcome: 'unchanged' };
    }
    const to = result.to;
    const transitionId = await store.clearances.changeStatus(clearance.id, {
      from,
      to,
      cause: input.cause,
      sourceEventId: input.sourceEventId ?? null,
      occurredAt: input.occurredAt ?? null,
    });
    const status = authorizationStatus(to);
    if (status !== authorizationStatus(from)) {
      await store.outbox.enqueue(
        authorizationChangedJob,
        {
          clearanceId: clearance.id,
          clientId: clearance.clientId,
          vin: clearance.vin,
          status,
          occurredAt: input.occurredAt ?? Date.now(),
        },
        { dedupeKey: `authorization_changed:${clearance.id}:${transitionId}` },
      );
    }
    return { outcome: 'changed', clearance: { ...clearance, status: to }, from, to };
  });
}
