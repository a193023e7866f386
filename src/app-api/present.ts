// The app management API's JSON shapes: an owner's clearance (snake_case, times in ISO 8601 UTC, the
// authorization status beside the clearance status), its changelog, and an eligibility answer with each
// reason's message in the request's language.
import { authorizationStatus } from '../domain/clearance/status.ts';
import type { Eligibility } from '../domain/vehicles/eligibility.ts';
import type { Translate } from '../i18n/index.ts';
import type { ChangelogEntry, Clearance } from '../storage/clearances.ts';

const iso = (ms: number) => new Date(ms).toISOString();

export function presentClearance(clearance: Clearance) {
  return {
    id: clearance.id,
    vin: clearance.vin,
    brand: clearance.brand,
    status: clearance.status,
    authorization_status: authorizationStatus(clearance.status),
    created_at: iso(clearance.createdAt),
    updated_at: iso(clearance.statusChangedAt),
  };
}

export function presentChangelog(entries: ChangelogEntry[]) {
  return entries.map((entry) => ({
    timestamp: iso(entry.timestamp),
    status: entry.status,
    reason: entry.reason,
  }));
}

export function presentEligibility(eligibility: Eligibility, t: Translate) {
  return {
    vin: eligibility.vin,
    eligible: eligibility.eligible,
    brand: eligibility.brand,
    reasons: eligibility.reasons.map((reason) => ({
      code: reason.code,
      message: t(`app_api:eligibility.${reason.code}`, reason.values),
    })),
  };
}
