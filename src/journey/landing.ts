// Step 1 — landing: who is asking and for what; returning owners sign in, first-timers choose "I'm new".
import type { Context } from 'koa';
import { type PasswordSignInDependencies, signInWithPassword } from '../account/password-sign-in.ts';
import { findBrand, isOfferedIn } from '../domain/vehicles/brands.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { JourneysRepository } from '../storage/journeys.ts';
import type { JourneyState } from './context.ts';
import { field, guarded, redirectToOpenStep, renderStep } from './page.ts';
import { stepPath } from './steps.ts';

/** The account area's page that mails a new password link; offered beside the password sign-in. */
const forgotPasswordHref = '/account/password/forgot';

export interface LandingDependencies extends PasswordSignInDependencies {
  accounts: AccountsRepository;
  journeys: JourneysRepository;
}

function show(ctx: Context, state: JourneyState, form: { email?: string }, error?: string, status = 400) {
  renderStep(
    ctx,
    'landing',
    {
      dataPoints: state.requestedScopes,
      newOwnerHref: stepPath(state.interaction.uid, 'account'),
      forgotPasswordHref,
      form,
      error,
      // Marks the page's title as an error page (./page.ts).
      errors: error ? { sign_in: error } : undefined,
    },
    error ? status : 200,
  );
}

export function landingStep(deps: LandingDependencies) {
  return {
    show: guarded('landing', async (ctx, state) => show(ctx, state, {})),
    submit: guarded('landing', async (ctx, state) => {
      const email = field(ctx, 'email') ?? '';
      const password = (ctx.request.body as Record<string, unknown>)?.password;
      const signIn = await signInWithPassword(deps, { email, password, address: ctx.ip });
      if (signIn.outcome === 'throttled') {
        ctx.set('Retry-After', String(signIn.retryAfterSeconds));
        return show(ctx, state, { email }, 'journey:errors.sign_in_throttled', 429);
      }
      if (signIn.outcome === 'refused') return show(ctx, state, { email }, 'journey:errors.sign_in_failed');
      const { accountId } = signIn;
      const account = await deps.accounts.find(accountId);
      const preset = state.journey.brand ? findBrand(state.journey.brand) : undefined;
      const dropPreset =
        preset !== undefined && account !== undefined && !isOfferedIn(preset, account.country);
      const changes = {
        accountId,
        accountIsNew: false,
        authMethod: 'pwd' as const,
        country: account?.country ?? null,
        email: null,
        codeHash: null,
        codeExpiresAt: null,
        ...(dropPreset ? { brand: null } : {}),
      };
      await deps.journeys.update(state.journey.uid, changes);
      state.journey = { ...state.journey, ...changes };
      redirectToOpenStep(ctx);
    }),
  };
}
