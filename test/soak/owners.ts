// The vehicle owners at the maker: each clearance request waiting in the simulated portal is approved a
// moment after it arrives, as its owner would click "approve"; one approved clearance in ten is revoked in
// the portal a few seconds later (owners change their minds, and each change is one more webhook).
import { createHash } from 'node:crypto';
import type { RunningOemSimulator } from '../../src/dev-tools/oem-simulator/main.ts';

export interface OwnerDecisions {
  approvedAt: Map<string, number>;
  revokedAt: Map<string, number>;
  /** Nothing waits for an owner: no request unanswered, no revocation still to come. */
  idle(): boolean;
  stop(): void;
}

/** About one VIN in ten, always the same ones. */
const willRevoke = (vin: string) => (createHash('sha256').update(vin).digest()[0] as number) < 26;

export function startOwners(
  simulator: RunningOemSimulator,
  timing: { approveAfterMs: number; revokeAfterMs: number } = { approveAfterMs: 500, revokeAfterMs: 3_000 },
): OwnerDecisions {
  const approvedAt = new Map<string, number>();
  const revokedAt = new Map<string, number>();
  let waiting = 0;

  function decideDue() {
    const now = Date.now();
    waiting = 0;
    for (const clearance of simulator.knobs.clearances()) {
      const { vin } = clearance;
      if (clearance.status === 'pending_validation') {
        waiting++;
        if (now - clearance.createdAt.getTime() < timing.approveAfterMs) continue;
        simulator.knobs.decide(clearance.id, 'approve');
        approvedAt.set(vin, now);
      } else if (clearance.status === 'approved' && willRevoke(vin)) {
        waiting++;
        if (now - (approvedAt.get(vin) ?? now) < timing.revokeAfterMs) continue;
        simulator.knobs.decide(clearance.id, 'revoke');
        revokedAt.set(vin, now);
      }
    }
  }

  const timer = setInterval(decideDue, 200);
  return {
    approvedAt,
    revokedAt,
    idle: () => waiting === 0,
    stop: () => clearInterval(timer),
  };
}
