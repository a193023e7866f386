// The consent command: in one transaction, the OAuth grant, the clearance (`pending`), the owner's saved
// vehicle and the follow-up jobs (owner mail; the clearance request to the maker). Either all of it is
// committed or none of it.

import type AuthorizationServer from 'oidc-provider';
import type { Transactions } from '../db/index.ts';
import { findBrand } from '../domain/vehicles/brands.ts';
import { ownerMailJob } from '../mail/owner-mail.ts';
import type { OutboxStore } from '../outbox/store.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { Clearance, ClearancesRepository } from '../storage/clearances.ts';
import type { Journey } from '../storage/journeys.ts';

export interface ConsentDependencies {
  transactions: Transactions;
  authorizationServer: AuthorizationServer;
  accounts: AccountsRepository;
  clearances: ClearancesRepository;
  outbox: OutboxStore;
  /** Called inside the transaction once the clearance exists (the relay enqueues its request here). */
  onClearanceCreated?: (clearance: Clearance) => Promise<void>;
}

export interface ConsentInput {
  journey: Journey;
  clientId: string;
  appName: string;
  /** Data points granted, plus any of `openid`/`offline_access` the app asked for. */
  scopes: string[];
  dataPoints: string[];
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
    const grantId = await grant.save();
    const grantExpiresAt = typeof grant.exp === 'number' ? grant.exp * 1000 : null;
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
