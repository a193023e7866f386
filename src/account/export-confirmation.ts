// Re-authentication before the data download (GET/POST /account/export/confirm): the signed-in owner types
// their password again, checked and throttled as a sign-in is (password-sign-in.ts), and the time is noted
// on this dashboard session. A download is allowed for five minutes after, in this session only, so one left
// open on a shared computer does not hand out everything Keyturn holds about its owner. An account without a
// password is asked to set one first.
import type { Context } from 'koa';
import type { PasswordHashing } from '../security/passwords.ts';
import type { SignInThrottle } from '../security/sign-in-throttle.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { OwnerSessionsRepository } from '../storage/owner-sessions.ts';
import { render } from '../web/views.ts';
import { endOwnerSession, ownerOf, presentedSessionHash } from './owner-session.ts';
import { signInWithPassword } from './password-sign-in.ts';
import { signInAction, signInFirst } from './return-path.ts';

export const exportPath = '/account/export';
export const exportConfirmPath = '/account/export/confirm';

/** How long a confirmed password allows downloads in the session. */
export const confirmationWindowMs = 5 * 60_000;

/** Whether the owner confirmed their password in this session within the last five minutes. */
export async function confirmedRecently(
  ctx: Context,
  sessions: OwnerSessionsRepository,
  now = Date.now(),
): Promise<boolean> {
  const idHash = presentedSessionHash(ctx);
  const confirmedAt = idHash ? await sessions.confirmedAt(idHash, now) : undefined;
  return confirmedAt !== undefined && confirmedAt <= now && now - confirmedAt < confirmationWindowMs;
}

export interface ExportConfirmationDependencies {
  accounts: AccountsRepository;
  sessions: OwnerSessionsRepository;
  signInThrottle: SignInThrottle;
  passwords: PasswordHashing;
}

const view = 'account/export-confirm.njk';

export function exportConfirmationPage(deps: ExportConfirmationDependencies) {
  /** The signed-in owner's account; otherwise the response is already a redirect to sign in. */
  async function signedInAccount(ctx: Context) {
    const accountId = await ownerOf(ctx, deps.sessions);
    if (!accountId) {
      signInFirst(ctx);
      return undefined;
    }
    const account = await deps.accounts.find(accountId);
    if (!account) {
      await endOwnerSession(ctx, deps.sessions);
      ctx.redirect(signInAction);
    }
    return account;
  }

  return {
    async show(ctx: Context) {
      const account = await signedInAccount(ctx);
      if (!account) return;
      render(ctx, view, {
        state: account.hasPassword ? 'confirm' : 'no_password',
        email: account.email,
        action: exportConfirmPath,
      });
    },

    async submit(ctx: Context) {
      const account = await signedInAccount(ctx);
      if (!account) return;
      if (!account.hasPassword)
        return render(
          ctx,
          view,
          { state: 'no_password', email: account.email, action: exportConfirmPath },
          400,
        );
      const body = (ctx.request.body ?? {}) as Record<string, unknown>;
      const checked = await signInWithPassword(deps, {
        email: account.email,
        password: body.password,
        address: ctx.ip,
      });
      if (checked.outcome !== 'signed_in' || checked.accountId !== account.id) {
        const throttled = checked.outcome === 'throttled';
        if (throttled) ctx.set('Retry-After', String(checked.retryAfterSeconds));
        return render(
          ctx,
          view,
          {
            state: 'confirm',
            email: account.email,
            action: exportConfirmPath,
            error: throttled ? 'account_export:confirm.throttled' : 'account_export:confirm.wrong_password',
          },
          throttled ? 429 : 400,
        );
      }
      const idHash = presentedSessionHash(ctx);
      if (!idHash || !(await deps.sessions.confirm(idHash))) return signInFirst(ctx);
      ctx.status = 303;
      ctx.redirect(exportPath);
    },
  };
}
