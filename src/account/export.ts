// The owner's data download (GET /account/export): everything Keyturn holds about the signed-in owner as one
// JSON file (export-document.ts), never cached. The chain: signed in (else sign in and come back), password
// confirmed in this session within five minutes (else the confirmation page, export-confirmation.ts), at
// most five downloads per account per hour (else 429 with Retry-After), then the document.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Allowance, RateLimit } from '../security/rate-limits.ts';
import type { UsageLedgerRepository } from '../storage/usage-ledger.ts';
import type { WebhookDeliveriesRepository } from '../storage/webhook-deliveries.ts';
import { render } from '../web/views.ts';
import {
  confirmedRecently,
  type ExportConfirmationDependencies,
  exportConfirmationPage,
  exportConfirmPath,
} from './export-confirmation.ts';
import { type ExportSources, ownerExport } from './export-document.ts';
import { endOwnerSession, ownerOf } from './owner-session.ts';
import { signInAction, signInFirst } from './return-path.ts';

/** Downloads per account (the document reads every table that names the owner). */
export const exportDownloadAllowance: Allowance = { points: 5, windowSeconds: 3600 };

/** What the download reads besides the dashboard's repositories, and its limit. */
export interface AccountExportSources {
  usageLedger: UsageLedgerRepository;
  webhookDeliveries: WebhookDeliveriesRepository;
  /** `exportDownloadAllowance`, counted per account. */
  downloads: RateLimit;
}

export type AccountExportDependencies = ExportConfirmationDependencies &
  Omit<ExportSources, 'usageLedger' | 'webhookDeliveries'> & { accountExport: AccountExportSources };

/** `keyturn-export-2026-12-07.json`: the day of the export, in UTC. */
const fileName = (exportedAt: string) => `keyturn-export-${exportedAt.slice(0, 10)}.json`;

/** Adds the download and its confirmation page to the dashboard's router (prefix /account). */
export function accountExportRoutes(router: Router, deps: AccountExportDependencies): void {
  const sources: ExportSources = {
    accounts: deps.accounts,
    apps: deps.apps,
    relay: deps.relay,
    usageLedger: deps.accountExport.usageLedger,
    webhookDeliveries: deps.accountExport.webhookDeliveries,
  };

  router.get('/export', async function downloadExport(ctx: Context) {
    const accountId = await ownerOf(ctx, deps.sessions);
    if (!accountId) return signInFirst(ctx);
    if (!(await confirmedRecently(ctx, deps.sessions))) {
      ctx.status = 303;
      return ctx.redirect(exportConfirmPath);
    }
    const wait = await deps.accountExport.downloads.take(accountId);
    if (wait !== undefined) {
      ctx.set('Retry-After', String(wait));
      return render(
        ctx,
        'account/export-confirm.njk',
        { state: 'limit', minutes: Math.ceil(wait / 60) },
        429,
      );
    }
    const document = await ownerExport(sources, accountId);
    if (!document) {
      await endOwnerSession(ctx, deps.sessions);
      return ctx.redirect(signInAction);
    }
    ctx.set('Content-Disposition', `attachment; filename="${fileName(document.exported_at)}"`);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'json';
    ctx.body = JSON.stringify(document, null, 2);
  });

  const confirmation = exportConfirmationPage(deps);
  router.get('/export/confirm', confirmation.show);
  router.post('/export/confirm', confirmation.submit);
}
