// A receiver's usage statement for one calendar month (UTC): each vehicle's charged events, amount and
// whether the cap held some back, summed from the ledger's lines; the subtotal; the volume discount of the
// tier the month's vehicle count reached; the total. Every number comes from the ledger, so the statement
// reconciles with it to the cent.
import type { UsageLedgerRepository } from '../storage/usage-ledger.ts';
import { discountCents, type Pricing } from './pricing.ts';

export interface UsageStatement {
  month: string;
  currency: 'EUR';
  vehicles: Array<{ vin: string; events: number; amount_cents: number; capped: boolean }>;
  subtotal_cents: number;
  discount_cents: number;
  total_cents: number;
}

/** `YYYY-MM` with a real month, from 2000 on; anything else is not a month. */
export function isBillingMonth(value: unknown): value is string {
  return typeof value === 'string' && /^(2\d{3})-(0[1-9]|1[0-2])$/.test(value);
}

export async function usageStatement(
  ledger: UsageLedgerRepository,
  pricing: Pricing,
  clientId: string,
  month: string,
): Promise<UsageStatement> {
  const vehicles = (await ledger.month(clientId, month)).filter(
    (usage) => usage.events > 0 || usage.amountCents !== 0,
  );
  const subtotal = vehicles.reduce((sum, usage) => sum + usage.amountCents, 0);
  const charged = vehicles.filter((usage) => usage.amountCents > 0).length;
  const discount = discountCents(pricing, subtotal, charged);
  return {
    month,
    currency: pricing.currency,
    vehicles: vehicles.map((usage) => ({
      vin: usage.vin,
      events: usage.events,
      amount_cents: usage.amountCents,
      capped: usage.capped,
    })),
    subtotal_cents: subtotal,
    discount_cents: discount,
    total_cents: subtotal - discount,
  };
}

/** The statement as CSV (RFC 4180): one row per vehicle, then the subtotal, discount and total rows. */
export function statementCsv(statement: UsageStatement): string {
  const rows = [['month', 'vin', 'events', 'amount_cents', 'capped']];
  for (const vehicle of statement.vehicles)
    rows.push([
      statement.month,
      vehicle.vin,
      String(vehicle.events),
      String(vehicle.amount_cents),
      String(vehicle.capped),
    ]);
  rows.push([statement.month, 'subtotal', '', String(statement.subtotal_cents), '']);
  rows.push([statement.month, 'discount', '', String(-statement.discount_cents), '']);
  rows.push([statement.month, 'total', '', String(statement.total_cents), '']);
  return `${rows.map((row) => row.join(',')).join('\r\n')}\r\n`;
}
