// A consent given, in the journey or by asking a maker again: its record, naming the version of the
// wording the owner was shown, and the receipt mail, both in the caller's transaction.
import type { Locale } from '../i18n/index.ts';
import { consentReceiptJob } from '../mail/consent-receipt.ts';
import type { OutboxStore } from '../outbox/store.ts';
import type { Clearance } from '../storage/clearances.ts';
import type { ConsentOccasion, ConsentRecordsRepository } from '../storage/consent-records.ts';
import { type ConsentPage, consentTextVersion } from './consent-text.ts';

const pageOf: Record<ConsentOccasion, ConsentPage> = { journey: 'journey', request_again: 'request_again' };

export async function recordConsent(
  store: { consentRecords: ConsentRecordsRepository; outbox: OutboxStore },
  consent: {
    occasion: ConsentOccasion;
    clearance: Clearance & { accountId: string };
    appName: string;
    locale: Locale;
    /** Keeps each consent's receipt apart (a clearance asked again gets one per request). */
    receiptKey: string;
  },
): Promise<void> {
  const { clearance, locale } = consent;
  await store.consentRecords.append({
    kind: 'consent',
    occasion: consent.occasion,
    accountId: clearance.accountId,
    clearanceId: clearance.id,
    clientId: clearance.clientId,
    appName: consent.appName,
    brand: clearance.brand,
    vin: clearance.vin,
    dataPoints: clearance.scopes,
    textVersion: consentTextVersion(pageOf[consent.occasion], locale),
    locale,
  });
  await store.outbox.enqueue(
    consentReceiptJob,
    { clearanceId: clearance.id, locale },
    { dedupeKey: `${consentReceiptJob}:${consent.receiptKey}` },
  );
}
