// Moves a grant's clearance through the one state machine with the relay's public command, as an OEM
// callback would, so tests can reach `approved`, `rejected` or `revoked` without a maker in the loop.
import type { ClearanceEvent } from '../../src/domain/clearance/state-machine.ts';
import { type ApplyOutcome, applyClearanceEvent } from '../../src/relay/apply-clearance-event.ts';
import type { RunningKeyturn } from './keyturn.ts';

export async function changeClearance(
  keyturn: RunningKeyturn,
  grantId: string | null,
  event: ClearanceEvent,
): Promise<ApplyOutcome> {
  const clearance = grantId ? await keyturn.repositories.clearances.findByGrantId(grantId) : undefined;
  if (!clearance) throw new Error(`no clearance for grant ${grantId}`);
  const outcome = await applyClearanceEvent(keyturn.relay, {
    clearanceId: clearance.id,
    event,
    cause: 'test',
  });
  if (outcome.outcome !== 'changed') throw new Error(`${event} was not applied: ${outcome.outcome}`);
  return outcome;
}

export const approveClearance = (keyturn: RunningKeyturn, grantId: string) =>
  changeClearance(keyturn, grantId, 'owner_approved');
