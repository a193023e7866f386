// The owner dashboard (/account): sign in with email and password, see every app with access to a vehicle
// and its status in plain words, revoke access after a confirmation page (→ `disconnected`), sign out; a
// forgotten password is mailed a new link (forgot-password.ts).

import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import type AuthorizationServer from 'oidc-provider';
import type { Transactions } from '../db/index.ts';
import {
  authorizationStatus,
  type ClearanceStatus,
  holdsAccess,
  mayAskAgain,
} from '../domain/clearance/status.ts';
import { findBrand } from '../domain/vehicles/brands.ts';
import type { OutboxStore } from '../outbox/store.ts';
import type { RelayStore } from '../relay/apply-clearance-event.ts';
import { cancelClearance } from '../relay/cancel-clearance.ts';
import type { PasswordHashing } from '../security/passwords.ts';
import type { SignInThrottle } from '../security/sign-in-throttle.ts';
import type { AccountErasureRepository } from '../storage/account-erasure.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { AppsRepository } from '../storage/apps.ts';
import type { OwnerSessionsRepository } from '../storage/owner-sessions.ts';
import type { SettingsRepository } from '../storage/settings.ts';
import { csrfProtection } from '../web/csrf.ts';
import { render } from '../web/views.ts';
import { accessHistoryRoutes } from './access-history.ts';
import { deleteAccountPage } from './delete-account-page.ts';
import { type AccountExportSources, accountExportRoutes } from './export.ts';
import { forgotPasswordPage } from './forgot-password.ts';
import { endLoginSession } from './login-session.ts';
import { ownClearance } from './own-clearance.ts';
import { endOwnerSession, ownerOf, startOwnerSession } from './owner-session.ts';
import { signInWithPassword } from './password-sign-in.ts';
import { requestAgainPage } from './request-again-page.ts';
import { safeReturnPath, signInAction } from './return-path.ts';
import { setPasswordPage } from './set-password.ts';

export interface DashboardDependencies {
  authorizationServer: AuthorizationServer;
  transactions: Transactions;
  relay: RelayStore;
  accounts: AccountsRepository;
  apps: AppsRepository;
  sessions: OwnerSessionsRepository;
  outbox: OutboxStore;
  signInThrottle: SignInThrottle;
  passwords: PasswordHashing;
  erasure: AccountErasureRepository;
  settings: SettingsRepository;
  /** Whether an account uses a fleet's Platform. */
  isFleetUser(accountId: string): Promise<boolean>;
  /** What the owner's data download reads besides, and its limit. */
  accountExport: AccountExportSources;
}

/** The one status an owner reads for an access (a key under `account:dashboard.state`). */
function plainState(status: ClearanceStatus): string {
  switch (authorizationStatus(status)) {
    case 'pending':
      return 'waiting';
    case 'approved':
      return status === 'error_data' || status === 'error_capability' ? 'active_no_data' : 'active';
    case 'revoked':
      return 'ended';
    case 'rejected':
      return status === 'wrong_tracker_id' ? 'vin_unknown' : 'rejected';
    case 'expired':
      return status === 'error_time_out' ? 'timed_out' : 'maker_unreachable';
  }
}

/** `2026-01-31 14:05 UTC`, as the dashboard shows every time. */
const utcMinute = (epochMs: number) =>
  `${new Date(epochMs).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

const forms = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

export function dashboardRouter(deps: DashboardDependencies): Router {
  const router = new Router({ prefix: '/account' });
  router.use(forms, csrfProtection());

  async function showDashboard(ctx: Context, accountId: string, notice?: string) {
    const account = await deps.accounts.find(accountId);
    if (!account) {
      await endOwnerSession(ctx, deps.sessions);
      return ctx.redirect(signInAction);
    }
    const clearances = await deps.relay.clearances.listForAccount(account.id);
    const apps = new Map(
      (
        await Promise.all([...new Set(clearances.map((c) => c.clientId))].map((id) => deps.apps.find(id)))
      ).flatMap((app) => (app ? [[app.clientId, app.name]] : [])),
    );
    const vehicles = clearances.map((c) => ({
      clearanceId: c.id,
      appName: apps.get(c.clientId) ?? c.clientId,
      brandName: findBrand(c.brand)?.name ?? c.brand,
      vin: c.vin,
      status: c.status,
      state: plainState(c.status),
      mayRequestAgain: mayAskAgain(c.status),
      dataPoints: c.scopes,
      createdAt: new Date(c.createdAt).toISOString(),
      createdAtText: utcMinute(c.createdAt),
      endedAt: new Date(c.statusChangedAt).toISOString(),
      endedAtText: utcMinute(c.statusChangedAt),
    }));
    // Apps that still have access (pending or approved, so they can be revoked) apart from those whose
    // access has ended (revoked, rejected, expired); some of those may be requested from the maker again.
    render(ctx, 'account/dashboard.njk', {
      account: { email: account.email },
      notice,
      withAccess: vehicles.filter((v) => holdsAccess(v.status)),
      ended: vehicles.filter((v) => !holdsAccess(v.status)),
    });
  }

  router.get('/', async (ctx) => {
    const accountId = await ownerOf(ctx, deps.sessions);
    if (!accountId) return ctx.redirect(signInAction);
    const notice = ctx.query.revoked
      ? 'account:dashboard.revoked_notice'
      : ctx.query.requested
        ? 'account:dashboard.requested_again_notice'
        : undefined;
    await showDashboard(ctx, accountId, notice);
  });

  router.get('/sign-in', (ctx) =>
    render(ctx, 'account/sign-in.njk', {
      action: signInAction,
      form: {},
      next: safeReturnPath(ctx.query.next),
    }),
  );

  router.post('/sign-in', async (ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const email = typeof body.email === 'string' ? body.email.trim() : '';
    const next = safeReturnPath(body.next);
    const signIn = await signInWithPassword(deps, { email, password: body.password, address: ctx.ip });
    if (signIn.outcome !== 'signed_in') {
      const throttled = signIn.outcome === 'throttled';
      if (throttled) ctx.set('Retry-After', String(signIn.retryAfterSeconds));
      return render(
        ctx,
        'account/sign-in.njk',
        {
          action: signInAction,
          form: { email },
          next,
          error: throttled ? 'account:errors.sign_in_throttled' : 'account:errors.sign_in_failed',
        },
        throttled ? 429 : 400,
      );
    }
    await startOwnerSession(ctx, deps.sessions, signIn.accountId);
    ctx.status = 303;
    ctx.redirect(next ?? '/account');
  });

  router.post('/sign-out', async (ctx) => {
    await endOwnerSession(ctx, deps.sessions);
    await endLoginSession(ctx, deps.authorizationServer);
    ctx.status = 303;
    ctx.redirect(signInAction);
  });

  const forgotPassword = forgotPasswordPage(deps);
  router.get('/password/forgot', forgotPassword.show);
  router.post('/password/forgot', forgotPassword.submit);

  const password = setPasswordPage(deps);
  router.get('/password', password.show);
  router.post('/password', password.submit);

  const deletion = deleteAccountPage(deps);
  router.get('/delete', deletion.show);
  router.post('/delete', deletion.submit);
  router.get('/deleted', deletion.deleted);

  const askAgain = requestAgainPage(deps);
  router.get('/access/:clearanceId/request-again', askAgain.show);
  router.post('/access/:clearanceId/request-again', askAgain.submit);

  // Revoking cannot be undone, so the dashboard links here first; the form on this page posts below.
  router.get('/access/:clearanceId/revoke', async (ctx) => {
    const accountId = await ownerOf(ctx, deps.sessions);
    if (!accountId) return ctx.redirect(signInAction);
    const clearance = await ownClearance(ctx, deps.relay.clearances, accountId);
    if (!holdsAccess(clearance.status)) return ctx.redirect('/account');
    const app = await deps.apps.find(clearance.clientId);
    render(ctx, 'account/revoke.njk', {
      clearanceId: clearance.id,
      appName: app?.name ?? clearance.clientId,
      brandName: findBrand(clearance.brand)?.name ?? clearance.brand,
      vin: clearance.vin,
    });
  });

  router.post('/access/:clearanceId/revoke', async (ctx) => {
    const accountId = await ownerOf(ctx, deps.sessions);
    if (!accountId) return ctx.redirect(signInAction);
    const clearance = await ownClearance(ctx, deps.relay.clearances, accountId);
    await cancelClearance(deps.relay, clearance.id, 'owner_revoked');
    ctx.status = 303;
    ctx.redirect('/account?revoked=1');
  });

  accountExportRoutes(router, deps);

  const { usageLedger } = deps.accountExport;
  accessHistoryRoutes(router, { ...deps, usageLedger, plainState, utcMinute });

  return router;
}
