// Step 2 — account creation for first-timers: email, country, accepted terms; no password yet (a link to
// set one is mailed after the journey). An address that already has an account gets the same screens
// (no account enumeration); its mail says to sign in instead.
import type { Knex } from 'knex';
import type { Context } from 'koa';
import { countryOptions, isCountryCode } from '../domain/countries.ts';
import { isEmailAddress } from '../domain/email.ts';
import { findBrand, isOfferedIn } from '../domain/vehicles/brands.ts';
import type { Locale } from '../i18n/index.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { JourneysRepository } from '../storage/journeys.ts';
import { inTransaction } from '../storage/transaction.ts';
import { localeFragment } from '../web/views.ts';
import type { JourneyState } from './context.ts';
import { field, guarded, redirectToOpenStep, renderStep } from './page.ts';

export interface AccountStepDependencies {
  knex: Knex;
  accounts: AccountsRepository;
  journeys: JourneysRepository;
}

interface AccountForm {
  email: string;
  country: string;
  accept_terms: boolean;
}

export function validateAccountForm(form: AccountForm): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!isEmailAddress(form.email)) errors.email = 'journey:errors.email_invalid';
  if (!isCountryCode(form.country)) errors.country = 'journey:errors.country_invalid';
  if (!form.accept_terms) errors.accept_terms = 'journey:errors.terms_required';
  return errors;
}

/** The country `<option>`s, rendered once per locale; the chosen one (an assigned code) marked selected. */
function countryOptionsHtml(locale: Locale, chosen: string | undefined): string {
  const options = localeFragment('journey/_country_options.njk', locale, () => ({
    countries: countryOptions(locale),
  }));
  if (!isCountryCode(chosen)) return options;
  return options.replace(`<option value="${chosen}">`, `<option value="${chosen}" selected>`);
}

function show(ctx: Context, form: Partial<AccountForm>, errors: Record<string, string> = {}) {
  const status = Object.keys(errors).length > 0 ? 400 : 200;
  const countryOptions = countryOptionsHtml(ctx.state.locale as Locale, form.country);
  renderStep(ctx, 'account', { countryOptions, form, errors }, status);
}

export function accountStep(deps: AccountStepDependencies) {
  return {
    show: guarded('account', async (ctx) => show(ctx, {})),
    submit: guarded('account', async (ctx, state: JourneyState) => {
      const form: AccountForm = {
        email: field(ctx, 'email') ?? '',
        country: (field(ctx, 'country') ?? '').toUpperCase(),
        accept_terms: field(ctx, 'accept_terms') !== undefined && field(ctx, 'accept_terms') !== '',
      };
      const errors = validateAccountForm(form);
      if (Object.keys(errors).length > 0) return show(ctx, form, errors);
      const preset = state.journey.brand ? findBrand(state.journey.brand) : undefined;
      const dropPreset = preset !== undefined && !isOfferedIn(preset, form.country);
      // The account and the journey's progress commit together.
      const { account, created } = await inTransaction(deps.knex, async () => {
        const found = await deps.accounts.findOrCreate({
          email: form.email,
          country: form.country,
          locale: state.journey.locale,
        });
        await deps.journeys.update(state.journey.uid, {
          accountId: found.account.id,
          accountIsNew: found.created,
          signedIn: false,
          country: form.country,
          ...(dropPreset ? { brand: null } : {}),
        });
        return found;
      });
      state.journey = {
        ...state.journey,
        accountId: account.id,
        accountIsNew: created,
        country: form.country,
        brand: dropPreset ? null : state.journey.brand,
      };
      redirectToOpenStep(ctx);
    }),
  };
}
