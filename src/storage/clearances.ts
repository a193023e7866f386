// Clearances (one vehicle × one client) and their append-only audit trail: an owner's consent to an app,
// keyed by the OAuth grant, or a vehicle a fleet registered, owned by the fleet. The token's authorization
// status is derived from the clearance status; it is never stored twice. A fleet's counts per status
// category follow every change made here, in the same transaction.
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/index.ts';
import {
  type ClearanceStatus,
  clearanceStatuses,
  isTerminal,
  storedClearanceStatus,
} from '../domain/clearance/status.ts';
import { statusCategory } from '../domain/fleet/categories.ts';

export interface Clearance {
  id: string;
  /** The owner's OAuth grant; null for a fleet's vehicle. */
  grantId: string | null;
  /** The consenting owner; null for a fleet's vehicle. */
  accountId: string | null;
  /** The fleet that registered the vehicle; null for an owner's consent. */
  fleetId: string | null;
  clientId: string;
  brand: string;
  provider: string;
  vin: string;
  scopes: string[];
  status: ClearanceStatus;
  oemReference: string | null;
  lastEventAt: number | null;
  statusChangedAt: number;
  createdAt: number;
  /** How the owner proved who they were when consenting (RFC 8176 `amr`). */
  authMethod: string | null;
  /** When the owner's grant ends (epoch ms); null for a fleet's vehicle. */
  grantExpiresAt: number | null;
}

export interface ClearanceRow {
  id: string;
  grant_id: string | null;
  account_id: string | null;
  fleet_id: string | null;
  client_id: string;
  brand: string;
  provider: string;
  vin: string;
  scopes: string;
  status: string;
  oem_reference: string | null;
  last_event_at: number | null;
  status_changed_at: number;
  created_at: number;
  grant_expires_at: number | null;
  auth_method: string | null;
}

export const toClearance = (row: ClearanceRow): Clearance => ({
  id: row.id,
  grantId: row.grant_id,
  accountId: row.account_id,
  fleetId: row.fleet_id ?? null,
  clientId: row.client_id,
  brand: row.brand,
  provider: row.provider,
  vin: row.vin,
  scopes: JSON.parse(row.scopes),
  status: storedClearanceStatus(row.status, `clearance ${row.id}`),
  oemReference: row.oem_reference,
  lastEventAt: row.last_event_at === null ? null : Number(row.last_event_at),
  statusChangedAt: Number(row.status_changed_at),
  createdAt: Number(row.created_at),
  authMethod: row.auth_method ?? null,
  grantExpiresAt: row.grant_expires_at === null ? null : Number(row.grant_expires_at),
});

export interface NewClearance {
  /** Given for a fleet's vehicle (its id); generated otherwise. */
  id?: string;
  grantId: string | null;
  accountId: string | null;
  fleetId?: string | null;
  clientId: string;
  brand: string;
  provider: string;
  vin: string;
  scopes: string[];
  status: ClearanceStatus;
  cause: string;
  /** When the OAuth grant expires (epoch ms); introspection checks it without reading the grant. */
  grantExpiresAt: number | null;
  /** How the owner proved who they were when consenting (RFC 8176 `amr`); null for no owner journey. */
  authMethod: string | null;
  /** The fleet user who registered it from the Platform. */
  actor?: string | null;
}

/** A page of an app's owner clearances, newest first: optional filters and the keyset of the last one seen. */
export interface AppClearanceFilter {
  status?: ClearanceStatus;
  vin?: string;
  limit: number;
  /** The last clearance of the previous page. */
  after?: ClearancePosition;
}

export interface ClearancePosition {
  createdAt: number;
  id: string;
}

export interface ChangelogEntry {
  timestamp: number;
  status: ClearanceStatus;
  reason: string;
}

export interface StatusChange {
  /** The fleet of the vehicle whose status changes, if it is a fleet's (its counts follow the change). */
  fleetId?: string | null;
  from: ClearanceStatus;
  to: ClearanceStatus;
  cause: string;
  sourceEventId: string | null;
  occurredAt: number | null;
  /** The fleet user who asked for it from the Platform. */
  actor?: string | null;
}

export function clearancesRepository(database: Database) {
  const db = () => database.query();
  // The callbacks' path, as fixed statements.
  const selectForUpdate = database.statement<ClearanceRow>(
    `select * from clearances where id = ?${database.rowLock('for update')}`,
  );
  // The app's status endpoint and the dashboard: committed rows.
  const selectByGrant = database.readStatement<ClearanceRow>('select * from clearances where grant_id = ?');
  const updateStatus = database.statement(
    'update clearances set status = ?, status_changed_at = ?, last_event_at = coalesce(?, last_event_at) where id = ?',
  );
  const appendTransition = database.statement<{ id: number }>(
    `insert into clearance_transitions (clearance_id, from_status, to_status, cause, source_event_id, created_at,
      actor) values (?, ?, ?, ?, ?, ?, ?) returning id`,
  );
  const insertClearance = database.statement(
    `insert into clearances (id, grant_id, account_id, fleet_id, client_id, brand, provider, vin, scopes, status,
      oem_reference, last_event_at, status_changed_at, created_at, grant_expires_at, auth_method)
      values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null, null, ?, ?, ?, ?)`,
  );
  const countChange = database.statement(
    'update fleet_vehicle_counts set count = count + ? where fleet_id = ? and category = ?',
  );
  const countInsert = database.statement(
    'insert into fleet_vehicle_counts (fleet_id, category, count) values (?, ?, ?) on conflict (fleet_id, category) do nothing',
  );
  // A vehicle that ended no longer holds its tracker id: registering the tracker again makes a new one.
  const releaseRegistration = database.statement(
    'update fleet_vehicles set registration_key = null where id = ?',
  );
  /** Adds `delta` to a fleet's count of a category (the row is made on first use). */
  async function count(fleetId: string, category: string, delta: number): Promise<void> {
    if ((await countChange.run(delta, fleetId, category)) === 0) {
      await countInsert.run(fleetId, category, 0);
      await countChange.run(delta, fleetId, category);
    }
  }
  /**
   * Moves one vehicle between categories. Both rows are written in the categories' order, so two changes
   * in one fleet never wait for each other's rows the other way round.
   */
  async function recount(fleetId: string, from: ClearanceStatus, to: ClearanceStatus): Promise<void> {
    const [left, right] = [statusCategory(from), statusCategory(to)];
    if (left === right) return;
    const changes: [string, number][] = [
      [left, -1],
      [right, 1],
    ];
    changes.sort(([a], [b]) => (a < b ? -1 : 1));
    for (const [category, delta] of changes) await count(fleetId, category, delta);
  }
  return {
    async create(input: NewClearance): Promise<Clearance> {
      const now = Date.now();
      const row: ClearanceRow = {
        id: input.id ?? randomUUID(),
        grant_id: input.grantId,
        account_id: input.accountId,
        fleet_id: input.fleetId ?? null,
        client_id: input.clientId,
        brand: input.brand,
        provider: input.provider,
        vin: input.vin,
        scopes: JSON.stringify(input.scopes),
        status: input.status,
        oem_reference: null,
        last_event_at: null,
        status_changed_at: now,
        created_at: now,
        grant_expires_at: input.grantExpiresAt,
        auth_method: input.authMethod,
      };
      await insertClearance.run(
        row.id,
        row.grant_id,
        row.account_id,
        row.fleet_id,
        row.client_id,
        row.brand,
        row.provider,
        row.vin,
        row.scopes,
        row.status,
        now,
        now,
        row.grant_expires_at,
        input.authMethod,
      );
      await appendTransition.get(row.id, null, input.status, input.cause, null, now, input.actor ?? null);
      return toClearance(row);
    },
    async find(id: string): Promise<Clearance | undefined> {
      const row = await db()<ClearanceRow>('clearances').where({ id }).first();
      return row ? toClearance(row) : undefined;
    },
    /** Reads the clearance and locks its row until the transaction ends (where rows can race). */
    async findForUpdate(id: string): Promise<Clearance | undefined> {
      const row = await selectForUpdate.get(id);
      return row ? toClearance(row) : undefined;
    },
    /** Moves the clearance to a new status and appends the change to the audit trail. */
    async changeStatus(id: string, change: StatusChange): Promise<number> {
      const now = Date.now();
      await updateStatus.run(change.to, now, change.occurredAt, id);
      if (change.fleetId) {
        await recount(change.fleetId, change.from, change.to);
        if (isTerminal(change.to)) await releaseRegistration.run(id);
      }
      const row = await appendTransition.get(
        id,
        change.from,
        change.to,
        change.cause,
        change.sourceEventId,
        now,
        change.actor ?? null,
      );
      return Number(row?.id);
    },
    async noteEventTime(id: string, occurredAt: number): Promise<void> {
      await db()('clearances')
        .where({ id })
        .andWhere((q) => q.whereNull('last_event_at').orWhere('last_event_at', '<', occurredAt))
        .update({ last_event_at: occurredAt });
    },
    /** Counts `added` new vehicles of a fleet, all in one category. */
    async countRegistered(fleetId: string, status: ClearanceStatus, added: number): Promise<void> {
      if (added > 0) await count(fleetId, statusCategory(status), added);
    },
    async setOemReference(id: string, reference: string): Promise<void> {
      await db()('clearances').where({ id }).update({ oem_reference: reference });
    },
    /** Clearances still waiting for the maker, created before `olderThan` (the deadline sweep). */
    async overdueWaiting(olderThan: number, limit = 100): Promise<string[]> {
      // Literal conditions, so both engines can use the partial indexes clearances_waiting_index and
      // clearances_fleet_waiting_index.
      // An owner's clearance waits from its latest move into waiting (the consent, or a request again):
      // one asked again long after the consent has its full deadline again.
      const owners = await db()
        .select('id')
        .from(
          db()('clearances as c')
            .whereRaw("c.fleet_id is null and c.status in ('pending', 'pending_validation')")
            .andWhere('c.created_at', '<', olderThan)
            .select('c.id', db().raw(`${waitingSinceSql} as waiting_since`))
            .as('waiting'),
        )
        .where('waiting_since', '<', olderThan)
        .limit(limit);
      // A fleet's vehicle waits from the moment its validation was asked for, not from its registration.
      const fleets = await db()('clearances')
        .whereRaw("fleet_id is not null and status = 'pending_validation'")
        .andWhere('status_changed_at', '<', olderThan)
        .limit(limit)
        .select('id');
      return [...owners, ...fleets].map((row: { id: string }) => row.id);
    },
    /** The clearance of a grant (the app's status endpoint, the dashboard). */
    async findByGrantId(grantId: string): Promise<Clearance | undefined> {
      const row = await selectByGrant.get(grantId);
      return row ? toClearance(row) : undefined;
    },
    /** An owner's clearance with an app, by id; another app's or a fleet's vehicle is undefined. */
    async findForApp(clientId: string, id: string): Promise<Clearance | undefined> {
      const row = await db()<ClearanceRow>('clearances')
        .where({ id, client_id: clientId })
        .whereNull('fleet_id')
        .first();
      return row ? toClearance(row) : undefined;
    },
    /** An app's owner clearances, newest first (ties by id), filtered, one page after `after`. */
    async listForApp(clientId: string, filter: AppClearanceFilter): Promise<Clearance[]> {
      const query = db()<ClearanceRow>('clearances').where({ client_id: clientId }).whereNull('fleet_id');
      if (filter.status) query.andWhere({ status: filter.status });
      if (filter.vin) query.andWhere({ vin: filter.vin });
      const after = filter.after;
      if (after)
        query.andWhere((older) =>
          older
            .where('created_at', '<', after.createdAt)
            .orWhere((tie) => tie.where('created_at', after.createdAt).andWhere('id', '<', after.id)),
        );
      const rows = await query
        .orderBy([
          { column: 'created_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .limit(filter.limit);
      return rows.map(toClearance);
    },
    /** Every status the clearance took, oldest first, with the cause of each change. */
    async changelog(id: string): Promise<ChangelogEntry[]> {
      const rows: { created_at: number | string; to_status: string; cause: string }[] = await db()(
        'clearance_transitions',
      )
        .where({ clearance_id: id })
        .orderBy('id')
        .select('created_at', 'to_status', 'cause');
      return rows.map((row) => ({
        timestamp: Number(row.created_at),
        status: storedClearanceStatus(row.to_status, `clearance ${id}`),
        reason: row.cause,
      }));
    },
    async listForAccount(accountId: string): Promise<Clearance[]> {
      const rows = await db()<ClearanceRow>('clearances')
        .where({ account_id: accountId })
        .orderBy('created_at', 'desc');
      return rows.map(toClearance);
    },
    async transitions(clearanceId: string) {
      return db()('clearance_transitions').where({ clearance_id: clearanceId }).orderBy('id');
    },
    /**
     * When the clearance's current wait for the maker began: its latest move into a waiting status from
     * outside one (the consent, a request again, a fleet's validation request), else its creation; the same
     * reading the deadline and reminder sweeps use. Undefined for an unknown clearance.
     */
    async waitingSince(id: string): Promise<number | undefined> {
      const row: { started?: number | string | null } | undefined = await db()('clearances as c')
        .where('c.id', id)
        .first(db().raw(`${waitingSinceSql} as started`));
      return row?.started == null ? undefined : Number(row.started);
    },
    /**
     * Owners' clearances waiting for the maker since before `waitedBefore` (their current wait), with no
     * reminder of `ageSeconds` or a later age recorded for that wait; oldest wait first (the reminder sweep).
     */
    async dueForReminder(
      ageSeconds: number,
      waitedBefore: number,
      limit = 100,
    ): Promise<{ id: string; waitingSince: number }[]> {
      // A wait begins at or after the consent, so `created_at` narrows the candidates first (the partial
      // index clearances_waiting_index, on both engines).
      const rows: { id: string; waiting_since: number | string }[] = await db()
        .select('id', 'waiting_since')
        .from(
          db()('clearances as c')
            .whereRaw(`c.fleet_id is null and c.status in ${waitingStatusesSql}`)
            .andWhere('c.created_at', '<', waitedBefore)
            .select('c.id', db().raw(`${waitingSinceSql} as waiting_since`))
            .as('waiting'),
        )
        .where('waiting_since', '<', waitedBefore)
        .whereNotExists(
          db()('approval_reminders as r')
            .whereRaw('r.clearance_id = waiting.id and r.waiting_since = waiting.waiting_since')
            .andWhere('r.age_seconds', '>=', ageSeconds)
            .select(db().raw('1')),
        )
        .orderBy([{ column: 'waiting_since' }, { column: 'id' }])
        .limit(limit);
      return rows.map((row) => ({ id: row.id, waitingSince: Number(row.waiting_since) }));
    },
    /**
     * Records that the reminder of `ageSeconds` for the wait that began at `waitingSince` is queued; false
     * when it was recorded already (by this process or another), so each reminder goes out once.
     */
    async recordReminder(
      id: string,
      waitingSince: number,
      ageSeconds: number,
      now: number,
    ): Promise<boolean> {
      const inserted = await db()
        .insert({ clearance_id: id, waiting_since: waitingSince, age_seconds: ageSeconds, queued_at: now })
        .into('approval_reminders')
        .onConflict(['clearance_id', 'waiting_since', 'age_seconds'])
        .ignore()
        .returning('clearance_id');
      return inserted.length > 0;
    },
    /** How many clearances there are in each status (every status present, 0 when none); for operators. */
    async countByStatus(): Promise<Record<ClearanceStatus, number>> {
      const rows: { status: string; count: number | string }[] = await db()('clearances')
        .groupBy('status')
        .select('status')
        .count({ count: '*' });
      const counts = Object.fromEntries(clearanceStatuses.map((status) => [status, 0])) as Record<
        ClearanceStatus,
        number
      >;
      for (const row of rows) counts[storedClearanceStatus(row.status, 'a clearance')] = Number(row.count);
      return counts;
    },
  };
}

/** The statuses in which a clearance waits for the maker (the owner, or a fleet, approves there). */
const waitingStatusesSql = "('pending', 'pending_validation')";

/** When the current wait of clearance `c` began: its latest move into waiting, else its creation. */
const waitingSinceSql = `coalesce((select max(t.created_at) from clearance_transitions t where t.clearance_id = c.id
  and t.to_status in ${waitingStatusesSql}
  and (t.from_status is null or t.from_status not in ${waitingStatusesSql})), c.created_at)`;

export type ClearancesRepository = ReturnType<typeof clearancesRepository>;
