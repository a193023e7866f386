// Clearances (one vehicle × one app, keyed by the OAuth grant) and their append-only audit trail.
// The token's authorization status is derived from the clearance status; it is never stored twice.
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/index.ts';
import { type ClearanceStatus, storedClearanceStatus } from '../domain/clearance/status.ts';

export interface Clearance {
  id: string;
  grantId: string;
  accountId: string;
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
}

export interface ClearanceRow {
  id: string;
  grant_id: string;
  account_id: string;
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
});

export interface NewClearance {
  grantId: string;
  accountId: string;
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
}

export interface StatusChange {
  from: ClearanceStatus;
  to: ClearanceStatus;
  cause: string;
  sourceEventId: string | null;
  occurredAt: number | null;
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
    `insert into clearance_transitions (clearance_id, from_status, to_status, cause, source_event_id, created_at)
      values (?, ?, ?, ?, ?, ?) returning id`,
  );
  const insertClearance = database.statement(
    `insert into clearances (id, grant_id, account_id, client_id, brand, provider, vin, scopes, status,
      oem_reference, last_event_at, status_changed_at, created_at, grant_expires_at, auth_method)
      values (?, ?, ?, ?, ?, ?, ?, ?, ?, null, null, ?, ?, ?, ?)`,
  );
  return {
    async create(input: NewClearance): Promise<Clearance> {
      const now = Date.now();
      const row: ClearanceRow = {
        id: randomUUID(),
        grant_id: input.grantId,
        account_id: input.accountId,
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
      await appendTransition.get(row.id, null, input.status, input.cause, null, now);
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
      const row = await appendTransition.get(
        id,
        change.from,
        change.to,
        change.cause,
        change.sourceEventId,
        now,
      );
      return Number(row?.id);
    },
    async noteEventTime(id: string, occurredAt: number): Promise<void> {
      await db()('clearances')
        .where({ id })
        .andWhere((q) => q.whereNull('last_event_at').orWhere('last_event_at', '<', occurredAt))
        .update({ last_event_at: occurredAt });
    },
    async setOemReference(id: string, reference: string): Promise<void> {
      await db()('clearances').where({ id }).update({ oem_reference: reference });
    },
    /** Clearances still waiting for the maker, created before `olderThan` (the deadline sweep). */
    async overdueWaiting(olderThan: number, limit = 100): Promise<string[]> {
      // A literal condition, so both engines can use the partial index clearances_waiting_index.
      const rows = await db()('clearances')
        .whereRaw("status in ('pending', 'pending_validation')")
        .andWhere('created_at', '<', olderThan)
        .limit(limit)
        .select('id');
      return rows.map((row: { id: string }) => row.id);
    },
    /** The clearance of a grant (the app's status endpoint, the dashboard). */
    async findByGrantId(grantId: string): Promise<Clearance | undefined> {
      const row = await selectByGrant.get(grantId);
      return row ? toClearance(row) : undefined;
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
  };
}

export type ClearancesRepository = ReturnType<typeof clearancesRepository>;
