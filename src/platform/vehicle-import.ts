// "Register many" on the Platform (/platform/vehicles/import): CSV text, uploaded as a file or pasted into
// the form (./vehicle-csv.ts), a preview of every row with its problems, and a confirmation that registers
// the good rows. The preview and the confirmation both run the rows through the fleet API's own checks
// (checkBatch, the one path of registerVehicles) and the confirmation checks everything again, never
// trusting the preview; only it stores, through registerVehicles, where a bad row never stops the good
// ones. A CSV cannot carry a registration certificate, so Mercedes-Benz rows are shown with the API's
// problem and sent to the "Register one" page.
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import { fleetProviders } from '../domain/fleet/providers.ts';
import {
  type BatchCheckDependencies,
  checkBatch,
  maxBatchSize,
  registerVehicles,
} from '../fleets/register-vehicles.ts';
import type { FleetVehiclesRepository } from '../storage/fleet-vehicles.ts';
import { uploadOf } from '../web/multipart.ts';
import { render } from '../web/views.ts';
import { fleetUser } from './fleet-user.ts';
import {
  type CsvColumn,
  type CsvMessage,
  csvColumns,
  readVehicleCsv,
  templateCsv,
  vehicleItem,
} from './vehicle-csv.ts';

export type VehicleImportDependencies = BatchCheckDependencies & { vehicles: FleetVehiclesRepository };

/** The most CSV text a form or file may carry: 1,000 vehicles fit many times over. */
const maxCsvBytes = 1024 * 1024;

/** The import's forms: the pasted text, and the preview's copy of it, may be up to 1 MB. */
export const importForms = bodyParser({ enableTypes: ['form'], formLimit: maxCsvBytes });
/** Where a vehicle is registered one at a time, with its registration certificate. */
export const registerOnePath = '/platform/vehicles/new';

const view = 'platform/import.njk';

interface PreviewRow {
  line: number;
  values: Record<CsvColumn, string>;
  /** The type registered: the row's, or its provider's own when the row leaves it empty. */
  type: string;
  typeFromProvider: boolean;
  item: Record<string, unknown>;
  problems: CsvMessage[];
  /** Mercedes-Benz: registered one at a time with the certificate. */
  registerOne: boolean;
}

interface Preview {
  error?: CsvMessage;
  rows: PreviewRow[];
}

/** Every row of the text with its problems, as a registration would find them; stores nothing. */
async function previewOf(deps: BatchCheckDependencies, fleetId: string, csv: string): Promise<Preview> {
  const reading = readVehicleCsv(csv);
  if (!reading.ok) return { error: reading.error, rows: [] };
  const items = reading.rows.map((row) => vehicleItem(row.values));
  const { checked, duplicates } = await checkBatch(deps, { id: fleetId }, { vehicles: items });
  const firstOf = new Map(duplicates.map(({ index, first }) => [index, first]));
  const rows = reading.rows.map((row, index): PreviewRow => {
    const item = items[index] ?? {};
    const check = checked[index];
    const problems: CsvMessage[] = [];
    if (row.extraValues) problems.push({ messageKey: 'platform_import:problems.extra_values' });
    if (check && !check.ok)
      problems.push(
        ...check.problems.map(({ messageKey, messageValues }) => ({ messageKey, messageValues })),
      );
    const first = firstOf.get(index);
    if (first !== undefined)
      problems.push({
        messageKey: 'platform_import:problems.duplicate_tracker_id',
        messageValues: { first: reading.rows[first]?.line },
      });
    return {
      line: row.line,
      values: row.values,
      type: typeof item.type === 'string' ? item.type : '',
      typeFromProvider: row.values.type === '' && typeof item.type === 'string',
      item,
      problems,
      registerOne:
        check !== undefined &&
        !check.ok &&
        check.problems.some((problem) => problem.code === 'registration_document_required'),
    };
  });
  return { rows };
}

const csvField = (ctx: Context): string => {
  const csv = (ctx.request.body as Record<string, unknown> | undefined)?.csv;
  return typeof csv === 'string' ? csv : '';
};

/** A file's text: UTF-8 (a byte order mark dropped), else Windows-1252, as Excel saves plain "CSV". */
function decodeCsv(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

/** The uploaded file's text or the pasted text; or why the file cannot be read. */
function submittedCsv(ctx: Context): { csv: string; error?: CsvMessage } {
  const upload = uploadOf(ctx);
  if (!upload) return { csv: csvField(ctx) };
  if (upload.truncated || upload.bytes.length > maxCsvBytes)
    return {
      csv: '',
      error: { messageKey: 'platform_import:errors.file_too_large', messageValues: { max: '1 MB' } },
    };
  // A workbook (a ZIP, as .xlsx and .ods are) or any binary file is not CSV text.
  if (upload.bytes.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1')) || upload.bytes.includes(0))
    return { csv: '', error: { messageKey: 'platform_import:errors.not_csv' } };
  return { csv: decodeCsv(upload.bytes) };
}

/** The counts a finished import shows on the overview (`?registered=&existing=&skipped=`), if any. */
export function importNotice(query: Record<string, unknown>) {
  const count = (name: string) => {
    const value = query[name];
    return typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : undefined;
  };
  const registered = count('registered');
  const existing = count('existing');
  if (registered === undefined || existing === undefined) return undefined;
  return { registered, existing, skipped: count('skipped') ?? 0 };
}

export function vehicleImportPage(deps: VehicleImportDependencies) {
  function show(ctx: Context, csv: string, preview?: Preview, error?: CsvMessage, status = 200) {
    const rows = preview?.rows ?? [];
    const good = rows.filter((row) => row.problems.length === 0).length;
    render(
      ctx,
      view,
      {
        fleet: { name: fleetUser(ctx).fleet.name },
        csv,
        max: maxBatchSize,
        columns: csvColumns,
        providers: fleetProviders,
        registerOnePath,
        error: error ?? preview?.error,
        preview: preview && !preview.error ? { rows, good, bad: rows.length - good } : undefined,
      },
      status,
    );
  }

  return {
    async show(ctx: Context) {
      show(ctx, '');
    },

    async template(ctx: Context) {
      ctx.attachment('keyturn-vehicles.csv');
      ctx.type = 'text/csv; charset=utf-8';
      ctx.body = templateCsv(ctx.state.locale === 'de' ? ';' : ',');
    },

    async preview(ctx: Context) {
      const { csv, error } = submittedCsv(ctx);
      if (error) return show(ctx, csv, undefined, error, 400);
      const preview = await previewOf(deps, fleetUser(ctx).fleet.id, csv);
      show(ctx, csv, preview, undefined, preview.error ? 400 : 200);
    },

    async confirm(ctx: Context) {
      const { fleet } = fleetUser(ctx);
      const csv = csvField(ctx);
      const preview = await previewOf(deps, fleet.id, csv);
      const good = preview.rows.filter((row) => row.problems.length === 0);
      if (preview.error || good.length === 0)
        return show(
          ctx,
          csv,
          preview,
          preview.error ?? { messageKey: 'platform_import:errors.nothing_to_register' },
          400,
        );
      const results = await registerVehicles(
        deps,
        fleet,
        { vehicles: good.map((row) => row.item) },
        fleetUser(ctx).accountId,
      );
      let registered = 0;
      let existing = 0;
      for (const result of results)
        if ('vehicle' in result) {
          if (result.created) registered++;
          else existing++;
        }
      const params = new URLSearchParams({
        category: 'pending',
        registered: String(registered),
        existing: String(existing),
        skipped: String(preview.rows.length - registered - existing),
      });
      ctx.status = 303;
      ctx.redirect(`/platform?${params.toString()}`);
    },
  };
}
