// The Platform's "Register many": vehicles as CSV text, one per line under a header row naming the columns
// (any order; only `tracker_id` and `provider` are required). Fields separated by commas, semicolons (German
// spreadsheets) or tabs (rows copied out of a spreadsheet), told apart by the header row; quoted fields, a
// byte order mark and CRLF are fine. Each line becomes the fleet API's item, checked by its rules alone:
// `license_plate`, `make`, `model` and `vin` go into `object_id`, an empty `type` is the provider's own.
import { parse } from 'csv-parse/sync';
import { findFleetProvider } from '../domain/fleet/providers.ts';
import { maxBatchSize } from '../fleets/register-vehicles.ts';

export const csvColumns = [
  'tracker_id',
  'provider',
  'type',
  'license_plate',
  'make',
  'model',
  'vin',
  'odometer',
] as const;
export type CsvColumn = (typeof csvColumns)[number];

const requiredColumns: readonly CsvColumn[] = ['tracker_id', 'provider'];
const objectIdColumns: readonly CsvColumn[] = ['license_plate', 'make', 'model', 'vin'];
const isColumn = (name: string): name is CsvColumn => (csvColumns as readonly string[]).includes(name);

export interface CsvRow {
  /** The line of the text the row ends on (the header is line 1), as a spreadsheet numbers its rows. */
  line: number;
  values: Record<CsvColumn, string>;
  /** Whether the row has values beyond the named columns (they would be lost). */
  extraValues: boolean;
}

export interface CsvMessage {
  messageKey: string;
  messageValues?: Record<string, unknown>;
}

export type CsvReading = { ok: true; rows: CsvRow[] } | { ok: false; error: CsvMessage };

const refused = (code: string, messageValues?: Record<string, unknown>): CsvReading => ({
  ok: false,
  error: { messageKey: `platform_import:errors.${code}`, ...(messageValues ? { messageValues } : {}) },
});

/** The separator the header row uses: the most frequent of tab, semicolon and comma (comma on a tie). */
function separatorOf(text: string): string {
  const header = text.split(/\r\n|\r|\n/, 1)[0] ?? '';
  const count = (separator: string) => header.split(separator).length - 1;
  return ['\t', ';', ','].reduce(
    (best, separator) => (count(separator) > count(best) ? separator : best),
    ',',
  );
}

/** The rows of CSV text, or why it cannot be read as a batch (at most `maxBatchSize` rows). */
export function readVehicleCsv(input: string): CsvReading {
  const text = input.replace(/^\uFEFF/, '');
  if (text.trim() === '') return refused('empty');
  let records: { record: string[]; info: { lines: number } }[];
  try {
    // With `info`, each record comes with where it was read (the types know only the plain records).
    records = parse(text, {
      delimiter: separatorOf(text),
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_empty_values: true,
      trim: true,
    }) as unknown as typeof records;
  } catch (error) {
    const line = (error as { lines?: unknown }).lines;
    if (typeof line !== 'number') throw error;
    return refused('unreadable', { line });
  }
  const [header, ...data] = records;
  const names = (header?.record ?? []).map((name) => name.trim().toLowerCase());
  if (!requiredColumns.every((column) => names.includes(column)))
    return refused('header_required', { columns: csvColumns.join(',') });
  const unknown = names.find((name) => name !== '' && !isColumn(name));
  if (unknown !== undefined)
    return refused('unknown_column', { column: unknown, columns: csvColumns.join(',') });
  const repeated = names.find((name, index) => name !== '' && names.indexOf(name) !== index);
  if (repeated !== undefined) return refused('repeated_column', { column: repeated });
  if (data.length === 0) return refused('no_rows');
  if (data.length > maxBatchSize) return refused('too_many_rows', { count: data.length, max: maxBatchSize });

  const rows = data.map(({ record, info }): CsvRow => {
    const values = Object.fromEntries(csvColumns.map((column) => [column, ''])) as Record<CsvColumn, string>;
    let extraValues = false;
    record.forEach((raw, index) => {
      const value = raw.trim();
      const name = names[index];
      if (name !== undefined && isColumn(name)) values[name] = value;
      else if (value !== '') extraValues = true;
    });
    return { line: info.lines, values, extraValues };
  });
  return { ok: true, rows };
}

/** The fleet API's item of a row: empty cells left out, so the API's rules say what is missing. */
export function vehicleItem(values: Record<CsvColumn, string>): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  if (values.tracker_id) item.tracker_id = values.tracker_id;
  if (values.provider) item.provider = values.provider;
  const type = values.type || findFleetProvider(values.provider)?.type;
  if (type) item.type = type;
  const objectId = Object.fromEntries(
    objectIdColumns.filter((column) => values[column]).map((column) => [column, values[column]]),
  );
  if (Object.keys(objectId).length > 0) item.object_id = objectId;
  // A whole number is the API's number; anything else is passed as it is and refused by its rule.
  if (values.odometer)
    item.odometer = /^\d{1,9}$/.test(values.odometer) ? Number(values.odometer) : values.odometer;
  return item;
}

const templateRows: readonly (readonly string[])[] = [
  csvColumns,
  ['WBA8E9G50GNT10001', 'bmw', 'oem', 'M-KT 1001', 'BMW', '330e', '', '48213'],
  ['TGA-358200', 'targa', '', 'B-KT 3', 'Peugeot', 'Partner', 'VF3AAAAAAAA100003', ''],
];

/** The template: the header and two example rows, separated as the locale's spreadsheets expect. */
export function templateCsv(separator: ',' | ';'): string {
  return templateRows.map((row) => row.join(separator)).join('\r\n') + '\r\n';
}
