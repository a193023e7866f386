// The relay's outbox job: send the clearance request to the maker. Idempotent end to end: the clearance id
// is the maker's idempotency key, so a retry after a crash (before or after sending) never creates a
// second clearance at the maker. Maker down or slow → the job is retried with backoff; the token stays
// pending. Refused by the maker, or never taken after every retry → `error_validating`, which the app and
// the owner see and from which the clearance can be requested again.
//
// A clearance may end while its request is under way (the owner revokes, the deadline passes): once the
// maker's reference is known, the maker is asked to revoke, so its side never outlives Keyturn's.

import { type OemConnector, OemRequestRefused } from '../connectors/connector.ts';
import { holdsAccess } from '../domain/clearance/status.ts';
import { type JobDefinition, PermanentJobFailure } from '../outbox/jobs.ts';
import type { OutboxJob } from '../outbox/store.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { AppsRepository } from '../storage/apps.ts';
import type { Clearance } from '../storage/clearances.ts';
import { applyClearanceEvent, askMakerToRevoke, type RelayStore } from './apply-clearance-event.ts';

export const clearanceRequestJob = 'clearance_request';

export interface RequestClearanceDependencies extends RelayStore {
  accounts: AccountsRepository;
  apps: AppsRepository;
  connectorFor(provider: string): OemConnector | undefined;
  callbackUrl(provider: string): string;
}

/** Queues the request for a clearance that is `pending` (new, or requested again). */
export function enqueueClearanceRequest(
  store: RelayStore,
  clearance: Pick<Clearance, 'id'>,
  occasion = 'first',
) {
  return store.outbox.enqueue(
    clearanceRequestJob,
    { clearanceId: clearance.id },
    { dedupeKey: `${clearanceRequestJob}:${clearance.id}:${occasion}` },
  );
}

/** An earlier attempt may have reached the maker without Keyturn learning its reference. */
const mayHaveReachedMaker = (job: OutboxJob, clearance: Clearance) =>
  job.attempts > 1 && clearance.oemReference === null && !holdsAccess(clearance.status);

export function requestClearanceJob(deps: RequestClearanceDependencies): JobDefinition {
  async function requestClearance(payload: Record<string, unknown>, job: OutboxJob): Promise<void> {
    const clearance = await deps.clearances.find(String(payload.clearanceId));
    if (!clearance) throw new PermanentJobFailure('clearance no longer exists');
    // Moved on before this attempt: nothing to send, unless an earlier one may have reached the maker, in
    // which case asking again (same idempotency key) tells the reference to revoke.
    if (clearance.status !== 'pending' && !mayHaveReachedMaker(job, clearance)) return;
    const connector = deps.connectorFor(clearance.provider);
    if (!connector) throw new PermanentJobFailure(`no connector configured for ${clearance.provider}`);
    const [account, app] = await Promise.all([
      deps.accounts.find(clearance.accountId),
      deps.apps.find(clearance.clientId),
    ]);
    if (!account || !app) throw new PermanentJobFailure('owner or app no longer exists');
    const result = await connector
      .requestClearance({
        clearanceId: clearance.id,
        vin: clearance.vin,
        brand: clearance.brand,
        dataPoints: clearance.scopes,
        callbackUrl: deps.callbackUrl(clearance.provider),
        primaryUserHint: account.email,
        locale: account.locale,
        appName: app.name,
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
      if (accepted.outcome === 'refused')
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
