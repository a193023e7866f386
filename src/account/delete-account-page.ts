// "Delete my account" (GET/POST /account/delete): a page that says what happens and what is kept, then the
// owner's password and an explicit confirmation. The erasure itself is erase-account.ts; afterwards the
// owner's sessions are over and /account/deleted says it is done.
import type { Context } from 'koa';
import type AuthorizationServer from 'oidc-provider';
import type { PasswordHashing } from '../security/passwords.ts';
import type { SignInThrottle } from '../security/sign-in-throttle.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { OwnerSessionsRepository } from '../storage/owner-sessions.ts';
import { render } from '../web/views.ts';
import { type ErasureDependencies, eraseAccount } from './erase-account.ts';
import { endLoginSession } from './login-session.ts';
import { endOwnerSession, ownerOf } from './owner-session.ts';
import { signInWithPassword } from './password-sign-in.ts';
import { signInFirst } from './return-path.ts';

export interface DeleteAccountDependencies extends ErasureDependencies {
  authorizationServer: AuthorizationServer;
  accounts: AccountsRepository;
  sessions: OwnerSessionsRepository;
  signInThrottle: SignInThrottle;
  passwords: PasswordHashing;
}

export function deleteAccountPage(deps: DeleteAccountDependencies) {
  async function page(ctx: Context, accountId: string, error?: string, status = error ? 400 : 200) {
    const account = await deps.accounts.find(accountId);
    if (!account) return signInFirst(ctx);
    render(
      ctx,
      'account/delete.njk',
      { email: account.email, hasPassword: account.hasPassword, error },
      status,
    );
  }

  return {
    async show(ctx: Context) {
      const accountId = await ownerOf(ctx, deps.sessions);
      if (!accountId) return signInFirst(ctx);
      await page(ctx, accountId);
    },

    async submit(ctx: Context) {
      const accountId = await ownerOf(ctx, deps.sessions);
      if (!accountId) return signInFirst(ctx);
      const account = await deps.accounts.find(accountId);
      if (!account) return signInFirst(ctx);
      const body = (ctx.request.body ?? {}) as Record<string, unknown>;
      if (body.confirm !== 'yes') return page(ctx, accountId, 'account_deletion:errors.not_confirmed');
      // The password proves it is the owner at this screen, not someone at an unlocked one.
      const proof = await signInWithPassword(deps, {
        email: account.email,
        password: body.password,
        address: ctx.ip,
      });
      if (proof.outcome === 'throttled') {
        ctx.set('Retry-After', String(proof.retryAfterSeconds));
        return page(ctx, accountId, 'account:errors.sign_in_throttled', 429);
      }
      if (proof.outcome !== 'signed_in' || proof.accountId !== accountId)
        return page(ctx, accountId, 'account_deletion:errors.wrong_password');
      await eraseAccount(deps, accountId);
      await endOwnerSession(ctx, deps.sessions);
      await endLoginSession(ctx, deps.authorizationServer);
      ctx.status = 303;
      ctx.redirect('/account/deleted');
    },

    deleted(ctx: Context) {
      render(ctx, 'account/deleted.njk');
    },
  };
}
