// Erasing an owner's account, in one transaction: every consent ends (the app's tokens stop at once, the
// app is told by webhook, the maker is asked to revoke its side), the consent records note the erasure,
// the personal data goes (email, password, saved vehicles, sessions, journeys), and the VIN in what stays
// as proof or for the apps' statements is replaced by a keyed pseudonym. A follow-up job removes the
// notices' jobs once they have gone out, so in the end no table names the owner or the vehicle.
import { createHmac } from 'node:crypto';
import { holdsAccess, isRetryable } from '../domain/clearance/status.ts';
import type { JobDefinition } from '../outbox/jobs.ts';
import type { RelayStore } from '../relay/apply-clearance-event.ts';
import { cancelClearance } from '../relay/cancel-clearance.ts';
import { randomToken } from '../security/secrets.ts';
import type { AccountErasureRepository } from '../storage/account-erasure.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { SettingsRepository } from '../storage/settings.ts';

export const accountErasureJob = 'account_erasure';

export interface ErasureDependencies {
  relay: RelayStore;
  accounts: AccountsRepository;
  erasure: AccountErasureRepository;
  settings: SettingsRepository;
}

/**
 * A VIN's pseudonym: `erased` and 11 hex digits of an HMAC under a key kept in this installation's
 * settings, so an operator holding the key can still prove a consent for a VIN someone presents, while
 * nothing stored names it. It fits wherever a VIN fits (17 characters) and can never be a VIN (lower case).
 */
export async function vinPseudonymiser(settings: SettingsRepository): Promise<(vin: string) => string> {
  const key = await settings.getOrCreate('erasure_pseudonym_key', () => randomToken(32));
  return (vin) =>
    vin.startsWith('erased')
      ? vin
      : `erased${createHmac('sha256', key).update(vin).digest('hex').slice(0, 11)}`;
}

export async function eraseAccount(deps: ErasureDependencies, accountId: string): Promise<boolean> {
  const pseudonymOf = await vinPseudonymiser(deps.settings);
  const store = deps.relay;
  return store.transactions.transaction(async () => {
    const account = await deps.accounts.find(accountId);
    if (!account) return false;
    const clearances = await store.clearances.listForAccount(accountId);
    for (const clearance of clearances) {
      if (holdsAccess(clearance.status) || isRetryable(clearance.status))
        await cancelClearance(store, clearance.id, 'account_deleted');
      // Ended at the maker (rejected, revoked there): the grant was kept for a request again; it ends now.
      if (clearance.grantId) await store.oidcPayloads.deleteGrant(clearance.grantId);
    }
    await deps.erasure.removePersonalData(accountId, account.email);
    await deps.erasure.pseudonymiseVehicles(accountId, pseudonymOf);
    await store.outbox.enqueue(
      accountErasureJob,
      { accountId, clearanceIds: clearances.map((clearance) => clearance.id) },
      { dedupeKey: `${accountErasureJob}:${accountId}`, runAt: Date.now() + 1_000 },
    );
    return true;
  });
}

/** The follow-up: removes the erased account's finished jobs; while notices are still under way, looks again later. */
export function accountErasureFollowUp(
  deps: Pick<ErasureDependencies, 'erasure' | 'relay'> & {
    /** How long to wait before looking again at notices still under way. */
    recheckDelayMs: number;
  },
): JobDefinition {
  return {
    async run(payload, job) {
      const accountId = String(payload.accountId);
      const clearanceIds = Array.isArray(payload.clearanceIds) ? payload.clearanceIds.map(String) : [];
      const underWay = await deps.erasure.sweepFinishedJobs(accountId, clearanceIds, job.id);
      if (underWay > 0) {
        const round = Number(payload.round ?? 0) + 1;
        await deps.relay.outbox.enqueue(
          accountErasureJob,
          { accountId, clearanceIds, round },
          {
            dedupeKey: `${accountErasureJob}:${accountId}:${round}`,
            runAt: Date.now() + deps.recheckDelayMs,
          },
        );
      }
    },
  };
}
