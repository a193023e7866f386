// The reminder an owner gets while their clearance waits for approval at the maker: it names the app, the
// brand and the VIN, says since when and how long the request has waited, where the maker's approval is
// given (a hint per provider, else a general one) and links to the Keyturn dashboard. It is written in the
// account's language (set by the journey that made the account). A clearance no longer waiting, a wait
// since replaced by a request again, or an account gone: nothing is sent.
import { authorizationStatus } from '../domain/clearance/status.ts';
import { findBrand, providers } from '../domain/vehicles/brands.ts';
import { isLocale, type Locale, translator } from '../i18n/index.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { AppsRepository } from '../storage/apps.ts';
import type { ClearancesRepository } from '../storage/clearances.ts';
import type { Mailer } from './mailer.ts';

export interface ReminderMailDependencies {
  clearances: ClearancesRepository;
  accounts: AccountsRepository;
  apps: AppsRepository;
  mailer: Mailer;
  issuer: string;
}

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

export function reminderMailHandler(deps: ReminderMailDependencies) {
  return async function sendApprovalReminder(payload: Record<string, unknown>): Promise<void> {
    const waitingSince = Number(payload.waitingSince);
    const clearance = await deps.clearances.find(String(payload.clearanceId));
    if (!clearance?.accountId || authorizationStatus(clearance.status) !== 'pending') return;
    if ((await deps.clearances.waitingSince(clearance.id)) !== waitingSince) return;
    const account = await deps.accounts.find(clearance.accountId);
    if (!account) return;
    const app = await deps.apps.find(clearance.clientId);
    const locale: Locale = isLocale(account.locale) ? account.locale : 'en';
    const t = translator(locale);
    const brand = findBrand(clearance.brand)?.name ?? clearance.brand;
    // The wait as of when the reminder fell due (the job may run a little later).
    const waitedMs = Math.max(Number(payload.dueAt) || Date.now(), waitingSince) - waitingSince;
    const values = {
      app: app?.name ?? clearance.clientId,
      brand,
      vin: clearance.vin,
      requested: new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(waitingSince),
      waited: duration(waitedMs, locale),
      dashboard: `${deps.issuer}/account?lang=${locale}`,
    };
    await deps.mailer.send({
      to: account.email,
      subject: t('mail_reminders:subject', values),
      text: t('mail_reminders:body', { ...values, hint: t(hintKey(clearance.provider), { brand }) }),
    });
  };
}

/** Where the maker's approval is given: the provider's own hint, or the general one. */
function hintKey(provider: string): string {
  return (providers as readonly string[]).includes(provider)
    ? `mail_reminders:hint.${provider}`
    : 'mail_reminders:hint.other';
}

/** Whole days ("7 days", "7 Tage"); under a day, whole hours. */
function duration(ms: number, locale: Locale): string {
  const [value, unit] =
    ms >= dayMs ? [Math.floor(ms / dayMs), 'day'] : [Math.max(1, Math.floor(ms / hourMs)), 'hour'];
  return new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }).format(value);
}
