// The set-password page reached from the owner's mail: a single-use, expiring link (token stored hashed).
// Passwords: at least 8 characters, long passphrases welcome, hashed whole with scrypt. A new password
// ends every dashboard session of the account (signed in elsewhere, perhaps by whoever knew the old one)
// and every other link mailed to it (an older mail found later must not set the password again).

import type { Knex } from 'knex';
import type { Context } from 'koa';
import { hashPassword, maximumPasswordLength, minimumPasswordLength } from '../security/passwords.ts';
import { hashSecret } from '../security/secrets.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { OwnerSessionsRepository } from '../storage/owner-sessions.ts';
import { inTransaction } from '../storage/transaction.ts';
import { render } from '../web/views.ts';

const action = '/account/password';

type LinkState = 'form' | 'invalid' | 'expired';

async function linkState(accounts: AccountsRepository, token: unknown): Promise<LinkState> {
  if (typeof token !== 'string' || token.length < 20 || token.length > 200) return 'invalid';
  const link = await accounts.findPasswordLink(hashSecret(token));
  if (!link || link.usedAt !== null) return 'invalid';
  if (link.expiresAt <= Date.now()) return 'expired';
  return 'form';
}

export function setPasswordPage(deps: {
  knex: Knex;
  accounts: AccountsRepository;
  sessions: OwnerSessionsRepository;
}) {
  return {
    async show(ctx: Context) {
      const token = ctx.query.token;
      const state = await linkState(deps.accounts, token);
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
      const state = await linkState(deps.accounts, token);
      if (state !== 'form')
        return render(ctx, 'account/set-password.njk', { state, action, errors: {} }, 410);
      if (
        typeof password !== 'string' ||
        [...password].length < minimumPasswordLength ||
        password.length > maximumPasswordLength
      ) {
        return render(
          ctx,
          'account/set-password.njk',
          { state, action, token, errors: { password: 'account:errors.password_length' } },
          400,
        );
      }
      const passwordHash = await hashPassword(password);
      const tokenHash = hashSecret(token as string);
      const saved = await inTransaction(deps.knex, async () => {
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
        { state: saved ? 'done' : 'invalid', action, errors: {} },
        saved ? 200 : 410,
      );
    },
  };
}
