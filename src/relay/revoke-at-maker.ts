// The relay's outbox job that asks the maker to revoke its side of a clearance Keyturn ended (cancelled,
// timed out), retried until the maker confirms (or says it is already gone).
import type { OemConnector } from '../connectors/connector.ts';
import { type JobDefinition, PermanentJobFailure } from '../outbox/jobs.ts';
import type { RelayStore } from './apply-clearance-event.ts';

export function revokeAtMakerJob(deps: {
  store: RelayStore;
  connectorFor(provider: string): OemConnector | undefined;
}): JobDefinition {
  async function revokeAtMaker(payload: Record<string, unknown>): Promise<void> {
    const clearance = await deps.store.clearances.find(String(payload.clearanceId));
    if (!clearance) throw new PermanentJobFailure('clearance no longer exists');
    // No reference: the request never reached the maker, or it is still under way; the request job,
    // once it holds the reference of a clearance that has ended meanwhile, asks for the revocation again.
    if (!clearance.oemReference) return;
    const connector = deps.connectorFor(clearance.provider);
    if (!connector) throw new PermanentJobFailure(`no connector configured for ${clearance.provider}`);
    await connector.revokeClearance(clearance.oemReference);
  }
  return { run: revokeAtMaker };
}
