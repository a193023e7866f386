// The append-only usage ledger: a `charge` line per billable event and receiver, written in the transaction
// that queues its webhook, and a `credit` line (the charge's negative) if that delivery is given up on.
// Lines are never updated or deleted. The running total per receiver, month and vehicle (usage_totals)
// applies the cap in one atomic statement, so racing events never charge past it; the statement itself is
// read from the ledger's lines alone.
import type { Database } from '../db/index.ts';

export interface Charge {
  clientId: string;
  vin: string;
  clearanceId: string;
  eventType: string;
  /** The inbound event's provider-scoped id: one charge per event and receiver. */
  eventId: string;
  /** `YYYY-MM` (UTC) of `receivedAt`. */
  month: string;
  listPriceCents: number;
  monthlyCapCents: number;
  receivedAt: number;
}

export interface VehicleUsage {
  vin: string;
  /** Charged events, less those credited back. */
  events: number;
  amountCents: number;
  /** Whether the cap held back some charge this month. */
  capped: boolean;
}

const creditSuffix = '#undelivered';

export function usageLedgerRepository(database: Database) {
  const knex = () => database.query();
  const least = database.engine === 'postgres' ? 'least' : 'min';
  const greatest = database.engine === 'postgres' ? 'greatest' : 'max';
  // In an UPDATE every right-hand side reads the row as it was, so `last_charge_cents` and the new amount
  // are both worked out from the amount before this event.
  const addToTotal = database.statement<{ last_charge_cents: number }>(
    `insert into usage_totals (client_id, month, vin, events, amount_cents, last_charge_cents)
      values (?, ?, ?, 1, ?, ?)
      on conflict (client_id, month, vin) do update set
        events = usage_totals.events + 1,
        last_charge_cents = ${greatest}(0, ${least}(excluded.last_charge_cents, ? - usage_totals.amount_cents)),
        amount_cents = usage_totals.amount_cents
          + ${greatest}(0, ${least}(excluded.last_charge_cents, ? - usage_totals.amount_cents))
      returning last_charge_cents`,
  );
  const insertLine = database.statement(
    `insert into usage_ledger (client_id, vin, month, clearance_id, event_type, event_id, entry, list_price_cents,
      amount_cents, received_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const lineOf = database.statement<{
    client_id: string;
    vin: string;
    month: string;
    clearance_id: string;
    event_type: string;
    amount_cents: number;
  }>(
    `select client_id, vin, month, clearance_id, event_type, amount_cents from usage_ledger
      where event_id = ? and client_id = ?`,
  );
  const subtractFromTotal = database.statement(
    `update usage_totals set events = events - 1, amount_cents = amount_cents - ?
      where client_id = ? and month = ? and vin = ?`,
  );

  return {
    /**
     * Charges one event to its receiver, capped; call it in the transaction that queues the webhook.
     * Resolves to the amount charged (the list price, the rest up to the cap, or 0).
     */
    async charge(charge: Charge): Promise<number> {
      const first = Math.max(0, Math.min(charge.listPriceCents, charge.monthlyCapCents));
      const row = await addToTotal.get(
        charge.clientId,
        charge.month,
        charge.vin,
        first,
        first,
        charge.monthlyCapCents,
        charge.monthlyCapCents,
      );
      const amount = Number(row?.last_charge_cents ?? 0);
      await insertLine.run(
        charge.clientId,
        charge.vin,
        charge.month,
        charge.clearanceId,
        charge.eventType,
        charge.eventId,
        'charge',
        charge.listPriceCents,
        amount,
        charge.receivedAt,
      );
      return amount;
    },

    /** Credits back the charge of an event whose delivery was given up on (once; nothing if uncharged). */
    async creditUndelivered(eventId: string, clientId: string, at = Date.now()): Promise<boolean> {
      return database.transaction(async () => {
        const charged = await lineOf.get(eventId, clientId);
        if (!charged || (await lineOf.get(`${eventId}${creditSuffix}`, clientId))) return false;
        const amount = Number(charged.amount_cents);
        await insertLine.run(
          clientId,
          charged.vin,
          charged.month,
          charged.clearance_id,
          charged.event_type,
          `${eventId}${creditSuffix}`,
          'credit',
          0,
          -amount,
          at,
        );
        await subtractFromTotal.run(amount, clientId, charged.month, charged.vin);
        return true;
      });
    },

    /** Each vehicle's usage in `month` for `clientId`, by VIN, summed from the ledger's lines. */
    async month(clientId: string, month: string): Promise<VehicleUsage[]> {
      const rows = (await knex()('usage_ledger')
        .select('vin')
        .select(knex().raw("sum(case when entry = 'charge' then 1 else -1 end) as events"))
        .sum({ amount_cents: 'amount_cents' })
        .select(
          knex().raw(
            "max(case when entry = 'charge' and amount_cents < list_price_cents then 1 else 0 end) as capped",
          ),
        )
        .where({ client_id: clientId, month })
        .groupBy('vin')
        .orderBy('vin')) as Array<{ vin: string; events: unknown; amount_cents: unknown; capped: unknown }>;
      return rows.map((row) => ({
        vin: row.vin,
        events: Number(row.events),
        amountCents: Number(row.amount_cents),
        capped: Number(row.capped) === 1,
      }));
    },

    /**
     * The vehicle events forwarded to `clientId` about one clearance, per month (oldest first): charged
     * events less those credited back, and when the last of them was received; months that net to none
     * are left out.
     */
    async monthlyEventsForClearance(clientId: string, clearanceId: string): Promise<MonthlyEvents[]> {
      const rows = (await knex()('usage_ledger')
        .select('month')
        .select(knex().raw("sum(case when entry = 'charge' then 1 else -1 end) as events"))
        .select(knex().raw("max(case when entry = 'charge' then received_at end) as last_received_at"))
        .where({ client_id: clientId, clearance_id: clearanceId })
        .groupBy('month')
        .orderBy('month')) as Array<{ month: string; events: unknown; last_received_at: unknown }>;
      return rows
        .map((row) => ({
          month: row.month,
          events: Number(row.events),
          lastReceivedAt: Number(row.last_received_at),
        }))
        .filter((row) => row.events > 0);
    },
  };
}

/** One month of vehicle events forwarded about one clearance. */
export interface MonthlyEvents {
  /** `YYYY-MM` (UTC). */
  month: string;
  events: number;
  /** When the month's last forwarded event was received (epoch ms). */
  lastReceivedAt: number;
}

export type UsageLedgerRepository = ReturnType<typeof usageLedgerRepository>;
