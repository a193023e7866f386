// The owner's access history (GET /account/access/:clearanceId/history): for one vehicle and app, what
// happened, newest first, each in one plain sentence with its UTC time: the consents and how they ended
// (from the consent records), the maker's answers and the data flow (from the clearance's audit trail),
// and the vehicle events forwarded to the app per month (from the usage ledger). Only the signed-in owner's
// own clearance: another owner's is as unknown as a missing one.

import type Router from '@koa/router';
import type { Context } from 'koa';
import { type ClearanceStatus, storedClearanceStatus } from '../domain/clearance/status.ts';
import { findBrand } from '../domain/vehicles/brands.ts';
import { isLocale, type Locale, translator } from '../i18n/index.ts';
import type { RelayStore } from '../relay/apply-clearance-event.ts';
import type { AppsRepository } from '../storage/apps.ts';
import type { Clearance } from '../storage/clearances.ts';
import type { OwnerSessionsRepository } from '../storage/owner-sessions.ts';
import type { UsageLedgerRepository } from '../storage/usage-ledger.ts';
import { render } from '../web/views.ts';
import { accessTimeline, type TimelineEntry, type TimelineTransition } from './access-timeline.ts';
import { ownClearance } from './own-clearance.ts';
import { ownerOf } from './owner-session.ts';
import { signInFirst } from './return-path.ts';

export interface AccessHistoryDependencies {
  relay: RelayStore;
  apps: AppsRepository;
  sessions: OwnerSessionsRepository;
  usageLedger: Pick<UsageLedgerRepository, 'monthlyEventsForClearance'>;
  /** The one status an owner reads for an access, as the dashboard words it (a key under `account:dashboard.state`). */
  plainState(status: ClearanceStatus): string;
  /** A time as the dashboard shows it. */
  utcMinute(epochMs: number): string;
}

/** The path of a clearance's history (the dashboard links each access here). */
export const accessHistoryPath = (clearanceId: string) =>
  `/account/access/${encodeURIComponent(clearanceId)}/history`;

interface TransitionRow {
  from_status: string | null;
  to_status: string;
  cause: string;
  created_at: number | string;
}

/** Registers the history page on the dashboard's router (under /account). */
export function accessHistoryRoutes(router: Router, deps: AccessHistoryDependencies): void {
  router.get('/access/:clearanceId/history', async function showAccessHistory(ctx: Context) {
    const accountId = await ownerOf(ctx, deps.sessions);
    if (!accountId) return signInFirst(ctx);
    const clearance = await ownClearance(ctx, deps.relay.clearances, accountId);
    const locale: Locale = isLocale(ctx.state.locale) ? ctx.state.locale : 'en';
    const appName = (await deps.apps.find(clearance.clientId))?.name ?? clearance.clientId;
    const brandName = findBrand(clearance.brand)?.name ?? clearance.brand;
    const entries = accessTimeline(await sourcesOf(deps, clearance));
    render(ctx, 'account/history.njk', {
      appName,
      brandName,
      vin: clearance.vin,
      state: deps.plainState(clearance.status),
      entries: entries.map((entry) => ({
        datetime: new Date(entry.at).toISOString(),
        timeText: deps.utcMinute(entry.at),
        key: `access_history:entry.${entry.message}`,
        values: wordingOf(entry, locale, { app: appName, brand: brandName, vin: clearance.vin }),
      })),
    });
  });
}

async function sourcesOf(deps: AccessHistoryDependencies, clearance: Clearance) {
  const [rows, records, months] = await Promise.all([
    deps.relay.clearances.transitions(clearance.id) as Promise<TransitionRow[]>,
    deps.relay.consentRecords.listForClearance(clearance.id),
    deps.usageLedger.monthlyEventsForClearance(clearance.clientId, clearance.id),
  ]);
  const moves: TimelineTransition[] = rows.map((row) => ({
    from:
      row.from_status === null ? null : storedClearanceStatus(row.from_status, `clearance ${clearance.id}`),
    to: storedClearanceStatus(row.to_status, `clearance ${clearance.id}`),
    cause: row.cause,
    at: Number(row.created_at),
  }));
  return {
    moves,
    records: records.map((record) => ({ ...record, at: record.recordedAt })),
    months,
  };
}

/** The values an entry's sentence names, in the owner's language. */
function wordingOf(
  entry: TimelineEntry,
  locale: Locale,
  names: { app: string; brand: string; vin: string },
): Record<string, string | number> {
  const t = translator(locale);
  const values: Record<string, string | number> = { ...names };
  if (entry.record) {
    values.app = entry.record.appName;
    values.receipt = entry.record.id;
    values.dataPoints = new Intl.ListFormat(locale, { type: 'conjunction' }).format(
      entry.record.dataPoints.map((id) => t(`domain:dataPoints.${id}.label`)),
    );
  }
  if (entry.month !== undefined && entry.events !== undefined) {
    values.count = entry.events;
    values.month = monthName(locale, entry.month);
  }
  return values;
}

/** `2026-11` → "November 2026" (de: "November 2026"), in UTC as the ledger's months are. */
function monthName(locale: Locale, month: string): string {
  const [year, number] = month.split('-').map(Number);
  return new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    Date.UTC(year ?? 1970, (number ?? 1) - 1, 1),
  );
}
