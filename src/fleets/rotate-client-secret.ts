// Rotating a fleet's client secret (`keyturn fleets rotate-client-secret`, and the Platform's Integration
// page): a new secret authenticates from now on, and the previous one beside it until the overlap ends, so a
// running integration can switch without a refusal. The new secret is shown once and stored hashed. This
// process accepts it at once; other instances within ten seconds (their client loader's cache).
import { hashSecret, randomToken } from '../security/secrets.ts';
import type { FleetsRepository } from '../storage/fleets.ts';
import { maxOverlapSeconds } from '../webhooks/signing-secrets.ts';

export interface RotatedClientSecret {
  fleet_id: string;
  client_id: string;
  client_secret: string;
  /** When the previous secret stops authenticating (ISO 8601). */
  previous_expires_at: string;
}

/** The new secret and when the previous one stops; undefined when there is no such fleet (nothing changes). */
export async function rotateFleetClientSecret(
  fleets: FleetsRepository,
  fleetId: string,
  overlapSeconds: number,
  now = Date.now(),
): Promise<RotatedClientSecret | undefined> {
  if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > maxOverlapSeconds)
    throw new RangeError(`overlap of ${overlapSeconds} seconds`);
  const fleet = await fleets.find(fleetId);
  if (!fleet) return undefined;
  const clientSecret = randomToken(32);
  const previousExpiresAt = now + overlapSeconds * 1000;
  if (!(await fleets.rotateClientSecret(fleet.id, hashSecret(clientSecret), previousExpiresAt)))
    return undefined;
  return {
    fleet_id: fleet.id,
    client_id: fleet.clientId,
    client_secret: clientSecret,
    previous_expires_at: new Date(previousExpiresAt).toISOString(),
  };
}
