// Registering a fleet (the `keyturn fleets add` command): its OAuth client for client credentials, its
// webhook secret, and its admin: a Keyturn account (found or created by address) made the fleet's admin and
// mailed a link to set the Platform's password, in the same transaction. Secrets are shown once and stored
// hashed (the webhook secret must sign, so it is kept as it is).

import type { Transactions } from '../db/index.ts';
import { isEmailAddress } from '../domain/email.ts';
import { InvalidInput } from '../errors.ts';
import { ownerMailJob } from '../mail/owner-mail.ts';
import type { OutboxStore } from '../outbox/store.ts';
import { hashSecret, randomToken } from '../security/secrets.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { FleetMembersRepository } from '../storage/fleet-members.ts';
import type { Fleet, FleetsRepository } from '../storage/fleets.ts';
import { freshWebhookSecrets } from '../webhooks/signing-secrets.ts';
import { type TargetPolicy, webhookUrlProblems } from '../webhooks/target-guard.ts';
import { newFleetId } from './ids.ts';

export interface FleetRegistration {
  name: string;
  adminEmail: string;
  webhookUrl?: string;
}

export interface RegisteredFleet {
  fleet_id: string;
  client_id: string;
  client_secret: string;
  webhook_secret: string;
}

export interface RegisterFleetDependencies {
  transactions: Transactions;
  fleets: FleetsRepository;
  accounts: AccountsRepository;
  members: FleetMembersRepository;
  outbox: OutboxStore;
}

export async function registerFleet(
  deps: RegisterFleetDependencies,
  input: FleetRegistration,
  webhookTargets: TargetPolicy,
): Promise<RegisteredFleet> {
  const problems: string[] = [];
  if (!input.name.trim()) problems.push('name must not be empty');
  if (input.name.length > 200) problems.push('name must be at most 200 characters');
  const adminEmail = input.adminEmail.trim().toLowerCase();
  if (!isEmailAddress(adminEmail)) problems.push('--admin-email must be an email address');
  if (input.webhookUrl !== undefined)
    problems.push(...(await webhookUrlProblems(input.webhookUrl, webhookTargets)));
  if (problems.length > 0)
    throw new InvalidInput({ messageValues: { problems }, cause: problems.join('; ') });
  const clientSecret = randomToken(32);
  const webhookSecrets = freshWebhookSecrets();
  const fleet: Fleet = {
    id: newFleetId(),
    name: input.name.trim(),
    adminEmail,
    clientId: `fleet_client_${randomToken(12)}`,
    clientSecretHash: hashSecret(clientSecret),
    webhookUrl: input.webhookUrl ?? null,
    webhookSecrets,
    webhookDisabled: null,
    eventTypes: [],
    createdAt: Date.now(),
  };
  await deps.transactions.transaction(async () => {
    await deps.fleets.insert(fleet);
    // An admin who is a car owner too keeps one account; the Platform's mail sets (or resets) its password.
    const { account } = await deps.accounts.findOrCreate({ email: adminEmail, country: 'DE', locale: 'en' });
    await deps.members.add(fleet.id, account.id, 'admin');
    await deps.outbox.enqueue(
      ownerMailJob,
      { template: 'fleet_invitation', accountId: account.id, locale: 'en', fleetName: fleet.name },
      { dedupeKey: `fleet_invitation:${fleet.id}:${account.id}` },
    );
  });
  return {
    fleet_id: fleet.id,
    client_id: fleet.clientId,
    client_secret: clientSecret,
    webhook_secret: webhookSecrets.current,
  };
}
