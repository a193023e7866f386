// The owner's consent records (append-only): what was consented to, through which wording, and how each
// consent ended. Nothing here updates or deletes a record, except `pseudonymiseVehicles` on erasure.
import type { Database } from '../db/index.ts';

export const consentOccasions = ['journey', 'request_again'] as const;
export type ConsentOccasion = (typeof consentOccasions)[number];

/** How a consent ended, in words an owner and an auditor both understand. */
export const withdrawalOccasions = [
  'revoked_in_keyturn',
  'revoked_by_app',
  'revoked_at_maker',
  'rejected_at_maker',
  'unknown_to_maker',
  'maker_unreachable',
  'expired',
  'account_deleted',
] as const;
export type WithdrawalOccasion = (typeof withdrawalOccasions)[number];

interface RecordBase {
  accountId: string;
  clearanceId: string;
  clientId: string;
  appName: string;
  brand: string;
  vin: string;
  dataPoints: string[];
}

export type NewConsentRecord =
  | (RecordBase & { kind: 'consent'; occasion: ConsentOccasion; textVersion: string; locale: string })
  | (RecordBase & { kind: 'withdrawal'; occasion: WithdrawalOccasion });

export type ConsentRecord = RecordBase & {
  id: number;
  kind: 'consent' | 'withdrawal';
  occasion: ConsentOccasion | WithdrawalOccasion;
  textVersion: string | null;
  locale: string | null;
  recordedAt: number;
};

interface ConsentRecordRow {
  id: number | string;
  kind: 'consent' | 'withdrawal';
  account_id: string;
  clearance_id: string;
  client_id: string;
  app_name: string;
  brand: string;
  vin: string;
  data_points: string;
  text_version: string | null;
  locale: string | null;
  occasion: ConsentOccasion | WithdrawalOccasion;
  recorded_at: number | string;
}

const toRecord = (row: ConsentRecordRow): ConsentRecord => ({
  id: Number(row.id),
  kind: row.kind,
  accountId: row.account_id,
  clearanceId: row.clearance_id,
  clientId: row.client_id,
  appName: row.app_name,
  brand: row.brand,
  vin: row.vin,
  dataPoints: JSON.parse(row.data_points),
  textVersion: row.text_version,
  locale: row.locale,
  occasion: row.occasion,
  recordedAt: Number(row.recorded_at),
});

export function consentRecordsRepository(database: Database) {
  const db = () => database.query();
  return {
    async append(record: NewConsentRecord, recordedAt = Date.now()): Promise<void> {
      await db()('consent_records').insert({
        kind: record.kind,
        account_id: record.accountId,
        clearance_id: record.clearanceId,
        client_id: record.clientId,
        app_name: record.appName,
        brand: record.brand,
        vin: record.vin,
        data_points: JSON.stringify(record.dataPoints),
        text_version: record.kind === 'consent' ? record.textVersion : null,
        locale: record.kind === 'consent' ? record.locale : null,
        occasion: record.occasion,
        recorded_at: recordedAt,
      });
    },

    /**
     * Records the end of a clearance's consent, copying what its last consent named (the app's name as the
     * owner saw it, the data points); nothing when no consent was recorded for it.
     */
    async recordWithdrawal(
      clearanceId: string,
      occasion: WithdrawalOccasion,
      recordedAt = Date.now(),
    ): Promise<void> {
      const consent: ConsentRecordRow | undefined = await db()('consent_records')
        .where({ clearance_id: clearanceId, kind: 'consent' })
        .orderBy('id', 'desc')
        .first();
      if (!consent) return;
      const { kind: _kind, id: _id, text_version: _text, locale: _locale, ...base } = consent;
      await db()('consent_records').insert({
        ...base,
        kind: 'withdrawal',
        text_version: null,
        locale: null,
        occasion,
        recorded_at: recordedAt,
      });
    },

    /** The account's records, oldest first. */
    async listForAccount(accountId: string): Promise<ConsentRecord[]> {
      const rows = await db()('consent_records').where({ account_id: accountId }).orderBy('id');
      return rows.map(toRecord);
    },

    async listForClearance(clearanceId: string): Promise<ConsentRecord[]> {
      const rows = await db()('consent_records').where({ clearance_id: clearanceId }).orderBy('id');
      return rows.map(toRecord);
    },

    /** Erasure: every VIN of the account's records becomes its pseudonym. */
    async pseudonymiseVehicles(accountId: string, pseudonymOf: (vin: string) => string): Promise<void> {
      const vins: { vin: string }[] = await db()('consent_records')
        .distinct('vin')
        .where({ account_id: accountId });
      for (const { vin } of vins) {
        if (vin.startsWith(erasedPrefix)) continue;
        await db()('consent_records')
          .where({ account_id: accountId, vin })
          .update({ vin: pseudonymOf(vin) });
      }
    },
  };
}

export const erasedPrefix = 'erased:';

export type ConsentRecordsRepository = ReturnType<typeof consentRecordsRepository>;
