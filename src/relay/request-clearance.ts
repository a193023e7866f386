// The relay's outbox job: send the clearance request to the maker. Idempotent end to end: the clearance id
// is the maker's idempotency key, so a retry after a crash (before or after sending) never creates a
// second clearance at the maker. Maker down or slow → the job is retried with backoff; the token stays pending.
import { type OemConnector, OemRequestRefused } from '../oem/connector.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { AppsRepository } from '../storage/apps.ts';
import { applyClearanceEvent, type RelayStore } from './apply-clearance-event.ts';
import { PermanentJobFailure } from './worker.ts';

export const clearanceRequestJob = 'clearance_request';

export interface RequestClearanceDependencies extends RelayStore {
  accounts: AccountsRepository;
  apps: AppsRepository;
  connectorFor(provider: string): OemConnector | undefined;
  callbackUrl(provider: string): string;
}

export function requestClearanceHandler(deps: RequestClearanceDependencies) {
  return async function requestClearance(payload: Record<string, unknown>): Promise<void> {
    const clearance = await deps.clearances.find(String(payload.clearanceId));
    if (!clearance) throw new PermanentJobFailure('clearance no longer exists');
    if (clearance.status !== 'pending') return;
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
    await deps.clearances.setOemReference(clearance.id, result.reference);
    await applyClearanceEvent(deps, {
      clearanceId: clearance.id,
      event: 'oem_accepted',
      cause: 'oem_accepted',
    });
  };
}
