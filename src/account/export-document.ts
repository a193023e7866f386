// Everything Keyturn holds about one owner, as the JSON document of their data download (GDPR Art. 15 and
// Art. 20): the account, saved vehicles, consent records, clearances with their history, and which apps
// received data about the owner's vehicles and when. Only rows of this account are read; no secret (password
// hash, token, session or link hash) is part of it. Every time is ISO 8601 in UTC. docs/owner-rights.md
// describes the format field by field.
import { authorizationStatus } from '../domain/clearance/status.ts';
import { authorizationChangedKey, type RelayStore } from '../relay/apply-clearance-event.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { AppsRepository } from '../storage/apps.ts';
import type { Clearance } from '../storage/clearances.ts';
import type { UsageLedgerRepository } from '../storage/usage-ledger.ts';
import type { WebhookDeliveriesRepository } from '../storage/webhook-deliveries.ts';

/** The version of the document's shape; a change that could break a reader gets a new one. */
export const exportFormat = 'keyturn-owner-export/1';

export interface ExportSources {
  accounts: AccountsRepository;
  apps: AppsRepository;
  relay: Pick<RelayStore, 'clearances' | 'consentRecords'>;
  usageLedger: UsageLedgerRepository;
  webhookDeliveries: WebhookDeliveriesRepository;
}

const iso = (epochMs: number) => new Date(epochMs).toISOString();
const isoOrNull = (epochMs: number | null) => (epochMs === null ? null : iso(epochMs));

interface Recipient {
  app_id: string;
  app_name: string;
  brand: string;
  vin: string;
  vehicle_events: { count: number; months: Array<{ month: string; count: number; last_at: string }> };
  authorization_changed_webhooks: { count: number; first_at: string | null; last_at: string | null };
}

/** The owner's export document; undefined when the account no longer exists. */
export async function ownerExport(sources: ExportSources, accountId: string, now = Date.now()) {
  const account = await sources.accounts.find(accountId);
  if (!account) return undefined;
  const [savedVehicles, records, clearances] = await Promise.all([
    sources.accounts.savedVehicles(accountId),
    sources.relay.consentRecords.listForAccount(accountId),
    sources.relay.clearances.listForAccount(accountId),
  ]);

  // The app's current name; failing that, the name the owner consented under; failing that, its id.
  const appNames = new Map(records.map((record) => [record.clientId, record.appName]));
  for (const clientId of new Set(clearances.map((clearance) => clearance.clientId))) {
    const app = await sources.apps.find(clientId);
    if (app) appNames.set(clientId, app.name);
  }
  const appName = (clientId: string) => appNames.get(clientId) ?? clientId;

  const histories = await Promise.all(
    clearances.map(async (clearance) => ({
      clearance,
      changelog: await sources.relay.clearances.changelog(clearance.id),
      transitionIds: (await sources.relay.clearances.transitions(clearance.id)).map((row) => row.id),
    })),
  );

  return {
    format: exportFormat,
    exported_at: iso(now),
    account: {
      email: account.email,
      country: account.country,
      locale: account.locale,
      created_at: iso(account.createdAt),
      password_set: account.hasPassword,
    },
    saved_vehicles: savedVehicles.map((vehicle) => ({ brand: vehicle.brand, vin: vehicle.vin })),
    consent_records: records.map((record) => ({
      kind: record.kind,
      occasion: record.occasion,
      clearance_id: record.clearanceId,
      app_id: record.clientId,
      app_name: record.appName,
      brand: record.brand,
      vin: record.vin,
      data_points: record.dataPoints,
      text_version: record.textVersion,
      locale: record.locale,
      recorded_at: iso(record.recordedAt),
    })),
    clearances: histories.map(({ clearance, changelog }) => ({
      id: clearance.id,
      app_id: clearance.clientId,
      app_name: appName(clearance.clientId),
      brand: clearance.brand,
      vin: clearance.vin,
      data_points: clearance.scopes,
      status: clearance.status,
      authorization_status: authorizationStatus(clearance.status),
      created_at: iso(clearance.createdAt),
      grant_expires_at: isoOrNull(clearance.grantExpiresAt),
      changelog: changelog.map((entry) => ({
        timestamp: iso(entry.timestamp),
        status: entry.status,
        reason: entry.reason,
      })),
    })),
    data_recipients: await dataRecipients(sources, histories, appName),
  };
}

export type OwnerExport = NonNullable<Awaited<ReturnType<typeof ownerExport>>>;

/**
 * Per app and vehicle, what reached the app about it: the vehicle events forwarded (from the usage ledger,
 * less those whose delivery was given up on) by month, and the `authorization_changed` webhooks delivered.
 * Apps that received nothing are left out.
 */
async function dataRecipients(
  sources: ExportSources,
  histories: Array<{ clearance: Clearance; transitionIds: Array<number | string> }>,
  appName: (clientId: string) => string,
): Promise<Recipient[]> {
  const recipients = new Map<string, Recipient>();
  const recipientOf = (clearance: Clearance) => {
    const key = `${clearance.clientId}\u0000${clearance.vin}`;
    let recipient = recipients.get(key);
    if (!recipient) {
      recipient = {
        app_id: clearance.clientId,
        app_name: appName(clearance.clientId),
        brand: clearance.brand,
        vin: clearance.vin,
        vehicle_events: { count: 0, months: [] },
        authorization_changed_webhooks: { count: 0, first_at: null, last_at: null },
      };
      recipients.set(key, recipient);
    }
    return recipient;
  };

  for (const { clearance } of histories) {
    const months = await sources.usageLedger.monthlyEventsForClearance(clearance.clientId, clearance.id);
    if (months.length === 0) continue;
    const events = recipientOf(clearance).vehicle_events;
    for (const month of months) {
      events.count += month.events;
      const lastAt = iso(month.lastReceivedAt);
      const same = events.months.find((known) => known.month === month.month);
      if (same) {
        same.count += month.events;
        if (lastAt > same.last_at) same.last_at = lastAt;
      } else events.months.push({ month: month.month, count: month.events, last_at: lastAt });
    }
    events.months.sort((a, b) => a.month.localeCompare(b.month));
  }

  const clearanceOfKey = new Map(
    histories.flatMap(({ clearance, transitionIds }) =>
      transitionIds.map((id) => [authorizationChangedKey(clearance.id, id), clearance] as const),
    ),
  );
  for (const delivery of await sources.webhookDeliveries.deliveredFor([...clearanceOfKey.keys()])) {
    const clearance = clearanceOfKey.get(delivery.jobKey);
    if (!clearance || delivery.clientId !== clearance.clientId) continue;
    const webhooks = recipientOf(clearance).authorization_changed_webhooks;
    const at = iso(delivery.attemptedAt);
    webhooks.count += 1;
    if (webhooks.first_at === null || at < webhooks.first_at) webhooks.first_at = at;
    if (webhooks.last_at === null || at > webhooks.last_at) webhooks.last_at = at;
  }
  return [...recipients.values()];
}
