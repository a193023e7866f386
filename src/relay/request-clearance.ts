// The relay's outbox job: send the clearance request to the maker. Idempotent end to end: the clearance id
// is the maker's idempotency key, so a retry after a crash (before or after sending) never creates a
// second clearance at the maker. Maker down or slow → the job is retried with backoff; the token stays
// pending. Refused by the maker, or never taken after every retry → `error_validating`, which the app and
// the owner see and from which the clearance can be requested again.
//
// A clearance may end while its request is under way (the owner revokes, the deadline passes): once the
// maker's reference is known, the maker is asked to revoke, so its side never outlives Keyturn's.
//
// An owner's request goes out while the clearance is `pending`, addressed to the owner; a fleet's vehicle
// is `pending_validation` from the moment the fleet asked, and its request is addressed to the fleet's
// admin. Each request (the first, and each one asked for again) has an idempotency key of its own, so a
// corrected tracker id is a new request rather than a replay of the old one.

import { type OemConnector, OemRequestRefused } from '../connectors/connector.ts';
import { holdsAccess } from '../domain/clearance/status.ts';
import { type JobDefinition, PermanentJobFailure } from '../outbox/jobs.ts';
import type { OutboxJob } from '../outbox/store.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { AppsRepository } from '../storage/apps.ts';
import type { Clearance } from '../storage/clearances.ts';
import type { FleetsRepository } from '../storage/fleets.ts';
import { applyClearanceEvent, askMakerToRevoke, type RelayStore } from './apply-clearance-event.ts';

export const clearanceRequestJob = 'clearance_request';

export interface RequestClearanceDependencies extends RelayStore {
  accounts: AccountsRepository;
  apps: AppsRepository;
  fleets: FleetsRepository;
  /** A fleet's tracker id, when the clearance is a fleet's vehicle. */
  trackerIdOf(clearanceId: string): Promise<string | undefined>;
  connectorFor(provider: string): OemConnector | undefined;
  callbackUrl(provider: string): string;
}

/** Queues the request for a clearance that is `pending` (new, or requested again). */
export async function enqueueClearanceRequest(
  store: RelayStore,
  clearance: Pick<Clearance, 'id'>,
  occasion = 'first',
): Promise<void> {
  await store.outbox.enqueue(
    clearanceRequestJob,
    { clearanceId: clearance.id, occasion },
    { dedupeKey: `${clearanceRequestJob}:${clearance.id}:${occasion}` },
  );
}

/** The maker's idempotency key of one request: the clearance id for the first, and one per occasion after. */
const idempotencyKeyOf = (clearanceId: string, occasion: unknown) =>
  occasion === undefined || occasion === 'first' ? clearanceId : `${clearanceId}:${String(occasion)}`;

/** Whether the clearance still waits for this request to reach the maker. */
const awaitsRequest = (clearance: Clearance) =>
  clearance.status === 'pending' || (clearance.fleetId !== null && clearance.status === 'pending_validation');

/** An earlier attempt may have reached the maker without Keyturn learning its reference. */
const mayHaveReachedMaker = (job: OutboxJob, clearance: Clearance) =>
  job.attempts > 1 && clearance.oemReference === null && !holdsAccess(clearance.status);

export function requestClearanceJob(deps: RequestClearanceDependencies): JobDefinition {
  /** Who decides at the maker: the owner for the owner's app, the fleet's admin for its own vehicle. */
  async function addresseeOf(clearance: Clearance) {
    if (clearance.fleetId) {
      const [fleet, trackerId] = await Promise.all([
        deps.fleets.find(clearance.fleetId),
        deps.trackerIdOf(clearance.id),
      ]);
      if (!fleet || !trackerId) return undefined;
      return { primaryUserHint: fleet.adminEmail, locale: 'en', appName: fleet.name, trackerId };
    }
    const [account, app] = await Promise.all([
      clearance.accountId ? deps.accounts.find(clearance.accountId) : undefined,
      deps.apps.find(clearance.clientId),
    ]);
    if (!account || !app) return undefined;
    return { primaryUserHint: account.email, locale: account.locale, appName: app.name };
  }

  async function requestClearance(payload: Record<string, unknown>, job: OutboxJob): Promise<void> {
    const clearance = await deps.clearances.find(String(payload.clearanceId));
    if (!clearance) throw new PermanentJobFailure('clearance no longer exists');
    // Moved on before this attempt: nothing to send, unless an earlier one may have reached the maker, in
    // which case asking again (same idempotency key) tells the reference to revoke.
    if (!awaitsRequest(clearance) && !mayHaveReachedMaker(job, clearance)) return;
    const connector = deps.connectorFor(clearance.provider);
    if (!connector) throw new PermanentJobFailure(`no connector configured for ${clearance.provider}`);
    const addressee = await addresseeOf(clearance);
    if (!addressee) throw new PermanentJobFailure('owner, app or fleet no longer exists');
    const result = await connector
      .requestClearance({
        clearanceId: clearance.id,
        idempotencyKey: idempotencyKeyOf(clearance.id, payload.occasion),
        vin: clearance.vin,
        brand: clearance.brand,
        dataPoints: clearance.scopes,
        callbackUrl: deps.callbackUrl(clearance.provider),
        ...addressee,
      })
      .catch((error) => {
        throw error instanceof OemRequestRefused ? new PermanentJobFailure(error.message) : error;
      });
    if (result.outcome === 'unknown_vin') {
      await applyClearanceEvent(deps, {
        clearanceId: clearance.id,
        event: 'oem_unknown_vin',
        cause: 'oem_unknown_vin',
      });
      return;
    }
    await deps.transactions.transaction(async () => {
      await deps.clearances.setOemReference(clearance.id, result.reference);
      const accepted = await applyClearanceEvent(deps, {
        clearanceId: clearance.id,
        event: 'oem_accepted',
        cause: 'oem_accepted',
      });
      // Refused because the clearance ended meanwhile: the maker's side must end too. (Refused because
      // the maker already approved it, as a tracker that pairs by itself does at once, is no reason.)
      if (accepted.outcome !== 'refused') return;
      const current = await deps.clearances.find(clearance.id);
      if (current && !holdsAccess(current.status))
        await askMakerToRevoke(deps, clearance.id, `ref:${result.reference}`);
    });
  }

  return {
    run: requestClearance,
    /** Refused by the maker, or every attempt failed: the owner and the app learn it, and may ask again. */
    async abandoned(payload) {
      await applyClearanceEvent(deps, {
        clearanceId: String(payload.clearanceId),
        event: 'request_failed',
        cause: 'oem_request_failed',
      });
    },
  };
}
