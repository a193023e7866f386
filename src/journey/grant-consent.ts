// The consent command: in one transaction, the OAuth grant, the clearance (`pending`), the owner's saved
// vehicle, the consent record (with the version of the wording shown) and the follow-up jobs (owner mail,
// the consent receipt, the clearance request to the maker). Either all of it is committed or none of it.
// Data points asked for as a `vehicle_data` authorization detail are granted as that detail (RFC 9396 §7.1),
// naming the brand and VIN consented to; the clearance relays every data point granted either way.

import type AuthorizationServer from 'oidc-provider';
import type { Transactions } from '../db/index.ts';
import { type GrantedVehicleData, vehicleDataType } from '../domain/vehicle-data-details.ts';
import { findBrand } from '../domain/vehicles/brands.ts';
import { isLocale } from '../i18n/index.ts';
import { ownerMailJob } from '../mail/owner-mail.ts';
import type { OutboxStore } from '../outbox/store.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { Clearance, ClearancesRepository } from '../storage/clearances.ts';
import type { ConsentRecordsRepository } from '../storage/consent-records.ts';
import type { Journey } from '../storage/journeys.ts';
import { recordConsent } from './record-consent.ts';

export interface ConsentDependencies {
  transactions: Transactions;
  authorizationServer: AuthorizationServer;
  accounts: AccountsRepository;
  clearances: ClearancesRepository;
  consentRecords: ConsentRecordsRepository;
  outbox: OutboxStore;
  /** How long a grant lasts (the app's access, at most), in seconds. */
  grantTtlSeconds: number;
  /** Called inside the transaction once the clearance exists (the relay enqueues its request here). */
  onClearanceCreated?: (clearance: Clearance) => Promise<void>;
}

export interface ConsentInput {
  journey: Journey;
  clientId: string;
  appName: string;
  /** Data points granted as scopes, plus any of `openid`/`offline_access` the app asked for. */
  scopes: string[];
  /** Every data point granted, as scopes or in the detail: what the clearance relays to the maker. */
  dataPoints: string[];
  /** The data points granted as the app's `vehicle_data` authorization detail, when it asked that way. */
  vehicleData?: string[];
}

export type OwnerMailTemplate = 'set_password' | 'existing_account';

export function ownerMailFor(journey: Journey): OwnerMailTemplate | undefined {
  if (journey.accountIsNew) return 'set_password';
  if (journey.authMethod !== 'pwd') return 'existing_account';
  return undefined;
}

export async function grantConsent(
  deps: ConsentDependencies,
  input: ConsentInput,
): Promise<{ grantId: string; clearance: Clearance }> {
  const { journey } = input;
  const accountId = journey.accountId as string;
  const brand = findBrand(journey.brand ?? '');
  if (!brand || !journey.vin) throw new Error('consent requires a brand and a VIN');
  return deps.transactions.transaction(async () => {
    const grant = new deps.authorizationServer.Grant({ accountId, clientId: input.clientId });
    if (input.scopes.length > 0) grant.addOIDCScope(input.scopes.join(' '));
    if (input.vehicleData) {
      const detail: GrantedVehicleData = {
        type: vehicleDataType,
        data_points: input.vehicleData,
        brand: brand.id,
        vin: journey.vin as string,
      };
      grant.addRar(detail);
    }
    // Saved with its lifetime (the library's types omit the argument its models take), so the stored grant
    // ends with the app's access, which the clearance records too.
    const grantId = await (grant as unknown as { save(ttl: number): Promise<string> }).save(
      deps.grantTtlSeconds,
    );
    const grantExpiresAt = Date.now() + deps.grantTtlSeconds * 1000;
    const clearance = await deps.clearances.create({
      grantId,
      accountId,
      clientId: input.clientId,
      brand: brand.id,
      provider: brand.provider,
      vin: journey.vin as string,
      scopes: input.dataPoints,
      status: 'pending',
      cause: 'consent_given',
      grantExpiresAt,
      authMethod: journey.authMethod,
    });
    await deps.accounts.saveVehicle(accountId, { vin: clearance.vin, brand: brand.id });
    await recordConsent(deps, {
      occasion: 'journey',
      clearance: { ...clearance, accountId },
      appName: input.appName,
      locale: isLocale(journey.locale) ? journey.locale : 'en',
      receiptKey: clearance.id,
    });
    const template = ownerMailFor(journey);
    if (template) {
      await deps.outbox.enqueue(
        ownerMailJob,
        {
          template,
          accountId,
          locale: journey.locale,
          appName: input.appName,
          vin: clearance.vin,
          brand: brand.id,
        },
        { dedupeKey: `owner_mail:${grantId}` },
      );
    }
    await deps.onClearanceCreated?.(clearance);
    return { grantId, clearance };
  });
}
