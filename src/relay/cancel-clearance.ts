// Cancelling a clearance inside Keyturn (the owner revokes on the dashboard, or the app revokes its grant):
// the clearance becomes `disconnected`, every token of the grant stops working at once, the app is told,
// and the maker is asked to revoke its side (an outbox job, retried until it succeeds).
import type Provider from 'oidc-provider';
import type { Logger } from '../logger.ts';
import type { OemConnector } from '../oem/connector.ts';
import { inTransaction, outsideTransaction } from '../storage/transaction.ts';
import { type ApplyOutcome, applyClearanceEvent, type RelayStore } from './apply-clearance-event.ts';
import { PermanentJobFailure } from './worker.ts';

export const oemRevokeJob = 'oem_revoke';

export async function cancelClearance(
  store: RelayStore,
  provider: Provider,
  clearanceId: string,
  cause: 'owner_revoked' | 'app_revoked',
): Promise<ApplyOutcome> {
  const result = await inTransaction(store.knex, async () => {
    const applied = await applyClearanceEvent(store, { clearanceId, event: 'cancelled', cause });
    if (applied.outcome === 'changed') {
      await store.outbox.enqueue(
        oemRevokeJob,
        { clearanceId },
        { dedupeKey: `${oemRevokeJob}:${clearanceId}` },
      );
    }
    return applied;
  });
  if (result.outcome === 'changed') {
    const grant = await provider.Grant.find(result.clearance.grantId);
    await grant?.destroy();
    await provider.AccessToken.adapter.revokeByGrantId(result.clearance.grantId);
    await provider.RefreshToken.adapter.revokeByGrantId(result.clearance.grantId);
  }
  return result;
}

/** An app revoking its refresh token (RFC 7009), or a detected token reuse, ends the grant: cancel its clearance. */
export function cancelClearancesOfRevokedGrants(store: RelayStore, provider: Provider, logger: Logger): void {
  // The token endpoint's transaction (a detected code or refresh-token reuse) does not wait for this.
  provider.on('grant.revoked', (_ctx: unknown, grantId: string) =>
    outsideTransaction(() => {
      void (async () => {
        const clearance = await store.clearances.findByGrantId(grantId);
        if (clearance) await cancelClearance(store, provider, clearance.id, 'app_revoked');
      })().catch((error) =>
        logger.error({ err: error, grantId }, 'cancelling the clearance of a revoked grant failed'),
      );
    }),
  );
}

export function oemRevokeHandler(deps: {
  store: RelayStore;
  connectorFor(provider: string): OemConnector | undefined;
}) {
  return async function revokeAtMaker(payload: Record<string, unknown>): Promise<void> {
    const clearance = await deps.store.clearances.find(String(payload.clearanceId));
    if (!clearance) throw new PermanentJobFailure('clearance no longer exists');
    if (!clearance.oemReference) return;
    const connector = deps.connectorFor(clearance.provider);
    if (!connector) throw new PermanentJobFailure(`no connector configured for ${clearance.provider}`);
    await connector.revokeClearance(clearance.oemReference);
  };
}
