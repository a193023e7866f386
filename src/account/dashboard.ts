// The owner dashboard (/account): sign in with email and password, see every app with access to a vehicle
// and its clearance status, revoke access (→ `disconnected`), sign out; a forgotten password is mailed a
// new link (forgot-password.ts).
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { authorizationStatus, type ClearanceStatus, isTerminal } from '../domain/clearance/status.ts';
import { findBrand } from '../domain/vehicles/brands.ts';
import { NotFound } from '../errors.ts';
import type { RelayStore } from '../relay/apply-clearance-event.ts';
import { cancelClearance } from '../relay/cancel-clearance.ts';
import type { SignInThrottle } from '../security/sign-in-throttle.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { AppsRepository } from '../storage/apps.ts';
import type { OutboxRepository } from '../storage/outbox.ts';
import type { OwnerSessionsRepository } from '../storage/owner-sessions.ts';
import { csrfProtection } from '../web/csrf.ts';
import { render } from '../web/views.ts';
import { forgotPasswordPage } from './forgot-password.ts';
import { endLoginSession } from './login-session.ts';
import { endOwnerSession, ownerOf, startOwnerSession } from './owner-session.ts';
import { signInWithPassword } from './password-sign-in.ts';

export interface DashboardDependencies {
  provider: Provider;
  relay: RelayStore;
  accounts: AccountsRepository;
  apps: AppsRepository;
  sessions: OwnerSessionsRepository;
  outbox: OutboxRepository;
  signInThrottle: SignInThrottle;
}

const signInAction = '/account/sign-in';

export function dashboardRouter(deps: DashboardDependencies, forms: Middleware): Router {
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
      authorizationStatus: authorizationStatus(c.status as ClearanceStatus),
      dataPoints: c.scopes,
      createdAt: new Date(c.createdAt).toISOString(),
    }));
    // Apps that still have access (pending or approved, so they can be revoked) apart from those whose
    // access has ended (revoked, rejected, expired), which no event can give access again.
    render(ctx, 'account/dashboard.njk', {
      account: { email: account.email },
      notice,
      withAccess: vehicles.filter((v) => !isTerminal(v.status as ClearanceStatus)),
      ended: vehicles.filter((v) => isTerminal(v.status as ClearanceStatus)),
    });
  }

  router.get('/', async (ctx) => {
    const accountId = await ownerOf(ctx, deps.sessions);
    if (!accountId) return ctx.redirect(signInAction);
    await showDashboard(ctx, accountId, ctx.query.revoked ? 'account:dashboard.revoked_notice' : undefined);
  });

  router.get('/sign-in', (ctx) => render(ctx, 'account/sign-in.njk', { action: signInAction, form: {} }));

  router.post('/sign-in', async (ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const email = typeof body.email === 'string' ? body.email.trim() : '';
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
          error: throttled ? 'account:errors.sign_in_throttled' : 'account:errors.sign_in_failed',
        },
        throttled ? 429 : 400,
      );
    }
    await startOwnerSession(ctx, deps.sessions, signIn.accountId);
    ctx.status = 303;
    ctx.redirect('/account');
  });

  router.post('/sign-out', async (ctx) => {
    await endOwnerSession(ctx, deps.sessions);
    await endLoginSession(ctx, deps.provider);
    ctx.status = 303;
    ctx.redirect(signInAction);
  });

  const forgotPassword = forgotPasswordPage(deps);
  router.get('/password/forgot', forgotPassword.show);
  router.post('/password/forgot', forgotPassword.submit);

  router.post('/access/:clearanceId/revoke', async (ctx) => {
    const accountId = await ownerOf(ctx, deps.sessions);
    if (!accountId) return ctx.redirect(signInAction);
    const clearance = await deps.relay.clearances.find(ctx.params.clearanceId as string);
    if (!clearance || clearance.accountId !== accountId) throw new NotFound();
    await cancelClearance(deps.relay, deps.provider, clearance.id, 'owner_revoked');
    ctx.status = 303;
    ctx.redirect('/account?revoked=1');
  });

  return router;
}
