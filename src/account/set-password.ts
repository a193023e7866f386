// The set-password page reached from the owner's mail: a single-use, expiring link (token stored hashed).
// Passwords follow ../security/password-rules.ts (at least 8 characters, nothing easily guessed, long
// passphrases welcome) and are hashed whole with scrypt. A new password ends every dashboard session of
// the account (signed in elsewhere, perhaps by whoever knew the old one) and every other link mailed to it
// (an older mail found later must not set the password again).

import type { Context } from 'koa';
import type { Transactions } from '../db/index.ts';
import { checkNewPassword, type PasswordProblem } from '../security/password-rules.ts';
import type { PasswordHashing } from '../security/passwords.ts';
import { hashSecret } from '../security/secrets.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { OwnerSessionsRepository } from '../storage/owner-sessions.ts';
import { render } from '../web/views.ts';

const action = '/account/password';

type LinkState = { state: 'form'; accountId: string } | { state: 'invalid' | 'expired' };

async function linkState(accounts: AccountsRepository, token: unknown): Promise<LinkState> {
  if (typeof token !== 'string' || token.length < 20 || token.length > 200) return { state: 'invalid' };
  const link = await accounts.findPasswordLink(hashSecret(token));
  if (!link || link.usedAt !== null) return { state: 'invalid' };
  if (link.expiresAt <= Date.now()) return { state: 'expired' };
  return { state: 'form', accountId: link.accountId };
}

const problemMessages: Record<PasswordProblem, string> = {
  missing: 'account:errors.password_missing',
  too_short: 'account:errors.password_too_short',
  too_long: 'account:errors.password_too_long',
  blank: 'account:errors.password_blank',
  common: 'account:errors.password_common',
  keyboard_pattern: 'account:errors.password_keyboard_pattern',
  repeated: 'account:errors.password_repeated',
  sequence: 'account:errors.password_sequence',
  dates: 'account:errors.password_dates',
  words: 'account:errors.password_words',
  personal: 'account:errors.password_personal',
  guessable: 'account:errors.password_guessable',
};

export function setPasswordPage(deps: {
  transactions: Transactions;
  passwords: PasswordHashing;
  accounts: AccountsRepository;
  sessions: OwnerSessionsRepository;
  /** Whether the account uses a fleet's Platform (its done page then leads there too). */
  isFleetUser(accountId: string): Promise<boolean>;
}) {
  return {
    async show(ctx: Context) {
      const token = ctx.query.token;
      const { state } = await linkState(deps.accounts, token);
      render(
        ctx,
        'account/set-password.njk',
        { state, action, token, errors: {} },
        state === 'form' ? 200 : 410,
      );
    },
    async submit(ctx: Context) {
      const body = (ctx.request.body ?? {}) as Record<string, unknown>;
      const { token, password } = body;
      const opened = await linkState(deps.accounts, token);
      if (opened.state !== 'form')
        return render(ctx, 'account/set-password.njk', { state: opened.state, action, errors: {} }, 410);
      const account = await deps.accounts.find(opened.accountId);
      const checked = await checkNewPassword(password, { email: account?.email });
      if (!checked.ok) {
        return render(
          ctx,
          'account/set-password.njk',
          { state: opened.state, action, token, errors: { password: problemMessages[checked.problem] } },
          400,
        );
      }
      const passwordHash = await deps.passwords.hash(checked.password);
      const tokenHash = hashSecret(token as string);
      const saved = await deps.transactions.transaction(async () => {
        const link = await deps.accounts.findPasswordLink(tokenHash);
        if (!link || !(await deps.accounts.usePasswordLink(tokenHash))) return false;
        await deps.accounts.setPassword(link.accountId, passwordHash);
        await deps.accounts.usePasswordLinksOf(link.accountId);
        await deps.sessions.endAllOf(link.accountId);
        return true;
      });
      render(
        ctx,
        'account/set-password.njk',
        {
          state: saved ? 'done' : 'invalid',
          action,
          errors: {},
          platform: saved && (await deps.isFleetUser(opened.accountId)),
        },
        saved ? 200 : 410,
      );
    },
  };
}
