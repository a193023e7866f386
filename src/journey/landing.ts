// Step 1 — landing: who is asking and for what; returning owners sign in, first-timers choose "I'm new".
import type { Context } from 'koa';
import { findBrand, isOfferedIn } from '../domain/vehicles/brands.ts';
import { maximumPasswordLength, verifyPassword } from '../security/passwords.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { JourneysRepository } from '../storage/journeys.ts';
import type { JourneyState } from './context.ts';
import { field, guarded, redirectToOpenStep, renderStep } from './page.ts';
import { stepPath } from './steps.ts';

export interface LandingDependencies {
  accounts: AccountsRepository;
  journeys: JourneysRepository;
}

function show(ctx: Context, state: JourneyState, form: { email?: string }, error?: string) {
  renderStep(
    ctx,
    'landing',
    {
      dataPoints: state.requestedScopes,
      newOwnerHref: stepPath(state.interaction.uid, 'account'),
      form,
      error,
    },
    error ? 400 : 200,
  );
}

export function landingStep(deps: LandingDependencies) {
  return {
    show: guarded('landing', async (ctx, state) => show(ctx, state, {})),
    submit: guarded('landing', async (ctx, state) => {
      const email = field(ctx, 'email') ?? '';
      const password = (ctx.request.body as Record<string, unknown>)?.password;
      if (
        !email ||
        typeof password !== 'string' ||
        password.length === 0 ||
        password.length > maximumPasswordLength
      ) {
        return show(ctx, state, { email }, 'journey:errors.sign_in_failed');
      }
      const found = await deps.accounts.passwordHashOf(email);
      const valid = await verifyPassword(password, found?.passwordHash ?? null);
      if (!found || !valid) return show(ctx, state, { email }, 'journey:errors.sign_in_failed');
      const account = await deps.accounts.find(found.id);
      const preset = state.journey.brand ? findBrand(state.journey.brand) : undefined;
      await deps.journeys.update(state.journey.uid, {
        accountId: found.id,
        accountIsNew: false,
        signedIn: true,
        country: account?.country ?? null,
        ...(preset && account && !isOfferedIn(preset, account.country) ? { brand: null } : {}),
      });
      state.journey = { ...state.journey, accountId: found.id, signedIn: true };
      if (preset && account && !isOfferedIn(preset, account.country)) state.journey.brand = null;
      redirectToOpenStep(ctx);
    }),
  };
}
