// The consent receipt: after a consent (in the journey, or when asking a maker again), the owner gets a mail
// that names the app, the vehicle, the data points, when access ends, how to revoke it, and the consent
// record it proves (its number and the version of the wording shown). Built from the consent record when
// the mail is sent, so it says what was recorded; nothing is sent if the account is gone.
import { findBrand } from '../domain/vehicles/brands.ts';
import { isLocale, type Locale, translator } from '../i18n/index.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { ClearancesRepository } from '../storage/clearances.ts';
import type { ConsentRecordsRepository } from '../storage/consent-records.ts';
import type { Mailer } from './mailer.ts';

export const consentReceiptJob = 'consent_receipt';

export interface ConsentReceiptDependencies {
  accounts: AccountsRepository;
  clearances: ClearancesRepository;
  consentRecords: ConsentRecordsRepository;
  mailer: Mailer;
  issuer: string;
}

const dateIn = (locale: Locale, epochMs: number) =>
  `${new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(epochMs)} UTC`;

export function consentReceiptHandler(deps: ConsentReceiptDependencies) {
  return async function sendConsentReceipt(payload: Record<string, unknown>): Promise<void> {
    const clearance = await deps.clearances.find(String(payload.clearanceId));
    if (!clearance?.accountId) return;
    const account = await deps.accounts.find(clearance.accountId);
    const record = (await deps.consentRecords.listForClearance(clearance.id))
      .filter((entry) => entry.kind === 'consent')
      .at(-1);
    if (!account || !record) return;
    const locale = isLocale(payload.locale)
      ? payload.locale
      : isLocale(account.locale)
        ? account.locale
        : 'en';
    const t = translator(locale);
    const brand = findBrand(record.brand)?.name ?? record.brand;
    const values = {
      app: record.appName,
      brand,
      vin: record.vin,
      given: dateIn(locale, record.recordedAt),
      until:
        clearance.grantExpiresAt === null
          ? t('mail_receipt:no_end')
          : dateIn(locale, clearance.grantExpiresAt),
      dataPoints: record.dataPoints.map((id) => `- ${t(`domain:dataPoints.${id}.label`)}`).join('\n'),
      dashboard: `${deps.issuer}/account?lang=${locale}`,
      record: String(record.id),
      version: (record.textVersion ?? '').slice(0, 12),
    };
    await deps.mailer.send({
      to: account.email,
      subject: t('mail_receipt:subject', values),
      text: t('mail_receipt:body', values),
    });
  };
}
