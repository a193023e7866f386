// Step 2b — the owner proves control of the email address by typing the code mailed to it. Only then does
// the journey use an account: the one that address already has, or a new one. The code is counted before
// it is checked (a few tries per code), expires after a few minutes and is used once.

import type { Context } from 'koa';
import type { Transactions } from '../db/index.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { JourneysRepository } from '../storage/journeys.ts';
import type { JourneyState } from './context.ts';
import { codeMatches, typedCode } from './email-code.ts';
import { field, guarded, redirectToOpenStep, renderStep } from './page.ts';
import { stepPath } from './steps.ts';

export interface VerifyStepDependencies {
  transactions: Transactions;
  accounts: AccountsRepository;
  journeys: JourneysRepository;
  emailCode: { attempts: number };
}

function show(ctx: Context, state: JourneyState, error?: string) {
  renderStep(
    ctx,
    'verify',
    { email: state.journey.email, changeHref: stepPath(state.interaction.uid, 'account'), error },
    error ? 400 : 200,
  );
}

export function verifyStep(deps: VerifyStepDependencies) {
  return {
    show: guarded('verify', async (ctx, state) => show(ctx, state)),
    submit: guarded('verify', async (ctx, state) => {
      const { journey } = state;
      const code = typedCode(field(ctx, 'code'));
      if (!code) return show(ctx, state, 'journey:errors.code_format');
      if (!journey.codeHash || (journey.codeExpiresAt ?? 0) <= Date.now())
        return show(ctx, state, 'journey:errors.code_expired');
      if (!(await deps.journeys.countCodeAttempt(journey.uid, deps.emailCode.attempts)))
        return show(ctx, state, 'journey:errors.code_attempts_exhausted');
      if (!codeMatches(journey.uid, code, journey.codeHash))
        return show(ctx, state, 'journey:errors.code_invalid');
      const email = journey.email as string;
      const country = journey.country as string;
      // Proven: the address's account (or a new one) and the journey's progress commit together.
      const { account, created } = await deps.transactions.transaction(async () => {
        const found = await deps.accounts.findOrCreate({ email, country, locale: journey.locale });
        await deps.journeys.update(journey.uid, {
          accountId: found.account.id,
          accountIsNew: found.created,
          authMethod: 'otp',
          codeHash: null,
          codeExpiresAt: null,
        });
        return found;
      });
      state.journey = {
        ...journey,
        accountId: account.id,
        accountIsNew: created,
        authMethod: 'otp',
        codeHash: null,
        codeExpiresAt: null,
      };
      redirectToOpenStep(ctx);
    }),
  };
}
