// Applies one event to a clearance, in one transaction: duplicate deliveries are recognised (exactly one
// change), events older than the last applied one are ignored unless they end access, the state machine
// decides the move, the audit trail records it, the app's `authorization_changed` webhook is queued when
// the token's authorization status changes (a fleet's `fleet_clearance_changed` on every change of its
// vehicle's status), and the maker is asked to revoke its side when Keyturn itself ends the clearance
// (cancelled, timed out).
//
// An event's time is the time its source gives, but never later than its receipt: a maker's clock (or a
// forged body) stamping events in the future cannot make later real events look stale.

import type { Transactions } from '../db/index.ts';
import {
  accessEndingEvents,
  type ClearanceEvent,
  keyturnEndingEvents,
  transition,
} from '../domain/clearance/state-machine.ts';
import { authorizationStatus, type ClearanceStatus } from '../domain/clearance/status.ts';
import type { OutboxStore } from '../outbox/store.ts';
import type { Clearance, ClearancesRepository } from '../storage/clearances.ts';
import type { ConsentRecordsRepository } from '../storage/consent-records.ts';
import type { InboundEventsRepository } from '../storage/inbound-events.ts';
import type { OidcPayloadsRepository } from '../storage/oidc-payloads.ts';
import { consentEnding } from './consent-ending.ts';

/** What the relay's commands work on. */
export interface RelayStore {
  transactions: Transactions;
  clearances: ClearancesRepository;
  inboundEvents: InboundEventsRepository;
  outbox: OutboxStore;
  /** The authorization server's artifacts: a cancelled clearance's grant and tokens end with it. */
  oidcPayloads: OidcPayloadsRepository;
  /** The owner's consent records: an ending consent is recorded with the change that ends it. */
  consentRecords: ConsentRecordsRepository;
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
  /** When Keyturn received it (epoch ms); `occurredAt` is never taken to be later. */
  receivedAt?: number;
  /** The event must concern this vehicle (a maker's callback names it); otherwise → not_found. */
  vin?: string;
  /** A person asked for it (a fleet validates or removes its vehicle), rather than the maker or a sweep. */
  manual?: boolean;
  /** The fleet user who asked for it from the Platform (kept in the audit trail). */
  actor?: string;
}

export type ApplyOutcome =
  | {
      outcome: 'changed';
      clearance: Clearance;
      from: ClearanceStatus;
      to: ClearanceStatus;
      /** The audit trail's entry for this change (unique per change). */
      transitionId: number;
    }
  | { outcome: 'unchanged' | 'duplicate' | 'stale' | 'refused' | 'not_found' };

export const authorizationChangedJob = 'app_webhook';
export const fleetClearanceChangedJob = 'fleet_webhook';
export const oemRevokeJob = 'oem_revoke';

/** The outbox key of the app's `authorization_changed` webhook for one change (audit trail entry). */
export const authorizationChangedKey = (clearanceId: string, transitionId: number | string) =>
  `authorization_changed:${clearanceId}:${transitionId}`;

export function applyClearanceEvent(store: RelayStore, input: ClearanceEventInput): Promise<ApplyOutcome> {
  return store.transactions.transaction(async (): Promise<ApplyOutcome> => {
    const clearance = await lockClearanceFor(store, input);
    if (!('id' in clearance)) return clearance;
    const occurredAt =
      input.occurredAt === undefined ? undefined : Math.min(input.occurredAt, input.receivedAt ?? Date.now());
    if (
      occurredAt !== undefined &&
      clearance.lastEventAt !== null &&
      occurredAt < clearance.lastEventAt &&
      !accessEndingEvents.has(input.event)
    ) {
      return { outcome: 'stale' };
    }
    return moveClearance(store, clearance, input, occurredAt);
  });
}

/**
 * Moves a clearance the caller holds locked in its transaction by `input.event`: the state machine decides,
 * the audit trail records the change, and what the change means for others is queued with it.
 */
export async function moveClearance(
  store: RelayStore,
  clearance: Clearance,
  input: ClearanceEventInput,
  occurredAt: number | undefined,
): Promise<ApplyOutcome> {
  const from = clearance.status;
  const result = transition(from, input.event);
  if (!result.ok) return { outcome: 'refused' };
  if (!result.changed) {
    if (occurredAt !== undefined) await store.clearances.noteEventTime(clearance.id, occurredAt);
    return { outcome: 'unchanged' };
  }
  const to = result.to;
  const transitionId = await store.clearances.changeStatus(clearance.id, {
    fleetId: clearance.fleetId,
    from,
    to,
    cause: input.cause,
    sourceEventId: input.sourceEventId ?? null,
    occurredAt: occurredAt ?? null,
    actor: input.actor ?? null,
  });
  const ending = clearance.fleetId ? undefined : consentEnding(from, to, input.event, input.cause);
  if (ending) await store.consentRecords.recordWithdrawal(clearance.id, ending);
  const status = authorizationStatus(to);
  if (clearance.fleetId) {
    await store.outbox.enqueue(
      fleetClearanceChangedJob,
      {
        fleetId: clearance.fleetId,
        clearanceId: clearance.id,
        vin: clearance.vin,
        status: to,
        action: input.manual ? 'manual' : 'automatic',
        occurredAt: occurredAt ?? Date.now(),
      },
      { dedupeKey: `fleet_clearance_changed:${clearance.id}:${transitionId}` },
    );
  } else if (status !== authorizationStatus(from)) {
    await store.outbox.enqueue(
      authorizationChangedJob,
      {
        clearanceId: clearance.id,
        clientId: clearance.clientId,
        vin: clearance.vin,
        status,
        occurredAt: occurredAt ?? Date.now(),
      },
      { dedupeKey: authorizationChangedKey(clearance.id, transitionId) },
    );
  }
  if (keyturnEndingEvents.has(input.event)) await askMakerToRevoke(store, clearance.id, `${transitionId}`);
  return { outcome: 'changed', clearance: { ...clearance, status: to }, from, to, transitionId };
}

/**
 * The clearance an event concerns, locked until the transaction ends, once the event is known to be its
 * first delivery; `not_found` when there is no such clearance (or another provider's, or another vehicle's).
 */
export async function lockClearanceFor(
  store: RelayStore,
  input: Pick<ClearanceEventInput, 'clearanceId' | 'provider' | 'vin' | 'sourceEventId'>,
): Promise<Clearance | { outcome: 'not_found' | 'duplicate' }> {
  const clearance = await store.clearances.findForUpdate(input.clearanceId);
  if (!clearance) return { outcome: 'not_found' };
  if (input.provider !== undefined && clearance.provider !== input.provider) return { outcome: 'not_found' };
  if (input.vin !== undefined && clearance.vin !== input.vin) return { outcome: 'not_found' };
  if (
    input.sourceEventId &&
    !(await store.inboundEvents.firstSighting(input.sourceEventId, input.provider ?? clearance.provider))
  ) {
    return { outcome: 'duplicate' };
  }
  return clearance;
}

/** Queues the revocation at the maker (retried until it succeeds); `occasion` keeps each request apart. */
export async function askMakerToRevoke(
  store: RelayStore,
  clearanceId: string,
  occasion: string,
): Promise<void> {
  await store.outbox.enqueue(
    oemRevokeJob,
    { clearanceId },
    { dedupeKey: `${oemRevokeJob}:${clearanceId}:${occasion}` },
  );
}
