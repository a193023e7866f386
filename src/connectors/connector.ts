// What Keyturn needs from a car maker: request a data-access clearance for a VIN (idempotent by key)
// and revoke one. One connector per provider; see ./http-connector.ts for the HTTP contract.
export interface ClearanceRequest {
  /** Keyturn's clearance id; the maker echoes it in its callbacks. */
  clearanceId: string;
  /** The same for every retry of one request; a request asked for again has a new one. */
  idempotencyKey: string;
  /** The VIN; '' for a fleet's tracker whose vehicle is not known by VIN. */
  vin: string;
  /** A fleet's tracker id (a VIN, or a hardware device's id). */
  trackerId?: string;
  brand: string;
  dataPoints: string[];
  callbackUrl: string;
  /** The owner's email: a real maker knows its own primary user; the simulator mails this address. */
  primaryUserHint: string;
  locale: string;
  appName: string;
}

export type ClearanceRequestResult = { outcome: 'accepted'; reference: string } | { outcome: 'unknown_vin' };

export interface OemConnector {
  readonly provider: string;
  requestClearance(request: ClearanceRequest): Promise<ClearanceRequestResult>;
  revokeClearance(reference: string): Promise<void>;
}

/** A failure worth retrying (maker down, slow, 5xx, 429). */
export class OemUnavailable extends Error {}

/** The maker refused the request itself (a 4xx other than 408/429): retrying the same request cannot help. */
export class OemRequestRefused extends Error {}
