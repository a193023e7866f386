// Step 2 — account creation for first-timers: email, country, accepted terms; no password yet (a link to
// set one is mailed after the journey). The address proves nothing by itself: a one-time code is mailed to
// it and the next step (verify) asks for it. Whether the address already has an account is not looked at
// here, so new and existing addresses get the same screens, the same mail and the same timing.
import type { Context } from 'koa';
import { countryOptions, isCountryCode } from '../domain/countries.ts';
import { isEmailAddress } from '../domain/email.ts';
import { findBrand, isOfferedIn } from '../domain/vehicles/brands.ts';
import { type Locale, translator } from '../i18n/index.ts';
import type { Logger } from '../logger.ts';
import type { Mailer } from '../mail/mailer.ts';
import { normalizeEmail } from '../storage/accounts.ts';
import type { JourneysRepository } from '../storage/journeys.ts';
import { localeFragment } from '../web/views.ts';
import type { JourneyState } from './context.ts';
import { emailCodeHash, newEmailCode } from './email-code.ts';
import type { JourneyLimits } from './limits.ts';
import { field, guarded, redirectTo, renderStep } from './page.ts';

export interface AccountStepDependencies {
  journeys: JourneysRepository;
  mailer: Mailer;
  limits: JourneyLimits;
  emailCode: { ttlSeconds: number };
  logger: Logger;
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

/** The country `<option>`s, the chosen one (an assigned code) marked selected. */
export function countryOptionsHtml(locale: Locale, chosen: string | undefined): string {
  const selected = isCountryCode(chosen) ? chosen : '';
  return localeFragment('journey/_country_options.njk', locale, selected, () => ({
    countries: countryOptions(locale),
    selected,
  }));
}

function show(
  ctx: Context,
  form: Partial<AccountForm>,
  errors: Record<string, string> = {},
  status = Object.keys(errors).length > 0 ? 400 : 200,
) {
  const countryOptions = countryOptionsHtml(ctx.state.locale as Locale, form.country);
  renderStep(ctx, 'account', { countryOptions, form, errors }, status);
}

export function accountStep(deps: AccountStepDependencies) {
  async function mailCode(state: JourneyState, email: string, code: string) {
    const { journey, app } = state;
    const t = translator(journey.locale as Locale);
    const minutes = Math.round(deps.emailCode.ttlSeconds / 60);
    const values = { code, app: app.name, minutes };
    await deps.mailer.send({
      to: email,
      subject: t('mail:email_code.subject', values),
      text: t('mail:email_code.body', values),
    });
  }

  return {
    show: guarded('account', async (ctx, state) =>
      show(ctx, {
        email: state.journey.email ?? undefined,
        country: state.journey.country ?? undefined,
      }),
    ),
    submit: guarded('account', async (ctx, state: JourneyState) => {
      const form: AccountForm = {
        email: field(ctx, 'email') ?? '',
        country: (field(ctx, 'country') ?? '').toUpperCase(),
        accept_terms: field(ctx, 'accept_terms') !== undefined && field(ctx, 'accept_terms') !== '',
      };
      const errors = validateAccountForm(form);
      if (Object.keys(errors).length > 0) return show(ctx, form, errors);
      const email = normalizeEmail(form.email);
      const wait = await deps.limits.codeMail(ctx.ip, email);
      if (wait !== undefined) {
        ctx.set('Retry-After', String(wait));
        return show(ctx, form, { form: 'journey:errors.code_mails_throttled' }, 429);
      }
      const preset = state.journey.brand ? findBrand(state.journey.brand) : undefined;
      const dropPreset = preset !== undefined && !isOfferedIn(preset, form.country);
      const code = newEmailCode();
      // The code is stored before it is mailed, so a mail never carries a code Keyturn does not know.
      await deps.journeys.update(state.journey.uid, {
        email,
        country: form.country,
        codeHash: emailCodeHash(state.journey.uid, code),
        codeExpiresAt: Date.now() + deps.emailCode.ttlSeconds * 1000,
        codeAttempts: 0,
        ...(dropPreset ? { brand: null } : {}),
      });
      try {
        await mailCode(state, email, code);
      } catch (error) {
        deps.logger.error({ err: error }, 'the journey could not mail a one-time code');
        await deps.journeys.update(state.journey.uid, { codeHash: null, codeExpiresAt: null });
        return show(ctx, form, { form: 'journey:errors.code_mail_failed' }, 503);
      }
      redirectTo(ctx, 'verify');
    }),
  };
}
