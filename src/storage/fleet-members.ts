// Who may use a fleet's Platform: accounts that are members of the fleet, as `admin` or `member`.
import type { Database } from '../db/index.ts';

export const fleetRoles = ['admin', 'member'] as const;
export type FleetRole = (typeof fleetRoles)[number];

export interface FleetMembership {
  fleetId: string;
  accountId: string;
  role: FleetRole;
}

export function fleetMembersRepository(database: Database) {
  const insert = database.statement(
    `insert into fleet_members (fleet_id, account_id, role, created_at) values (?, ?, ?, ?)
      on conflict (fleet_id, account_id) do nothing`,
  );
  const selectOfAccount = database.readStatement<{ fleet_id: string; account_id: string; role: string }>(
    'select fleet_id, account_id, role from fleet_members where account_id = ? order by created_at, fleet_id',
  );
  const selectOfFleet = database.readStatement<{
    account_id: string;
    role: string;
    created_at: number | string;
  }>(
    'select account_id, role, created_at from fleet_members where fleet_id = ? order by created_at, account_id',
  );
  const deleteMember = database.statement('delete from fleet_members where fleet_id = ? and account_id = ?');
  return {
    /** Adds the account to the fleet; false when it already was a member (its role is kept). */
    async add(fleetId: string, accountId: string, role: FleetRole): Promise<boolean> {
      return (await insert.run(fleetId, accountId, role, Date.now())) === 1;
    },
    async ofFleet(fleetId: string): Promise<(FleetMembership & { since: number })[]> {
      return (await selectOfFleet.all(fleetId)).map((row) => ({
        fleetId,
        accountId: row.account_id,
        role: row.role === 'admin' ? 'admin' : 'member',
        since: Number(row.created_at),
      }));
    },
    /** Removes the account from the fleet; false when it was no member of it. */
    async remove(fleetId: string, accountId: string): Promise<boolean> {
      return (await deleteMember.run(fleetId, accountId)) === 1;
    },
    /** The fleets an account belongs to, oldest membership first. */
    async ofAccount(accountId: string): Promise<FleetMembership[]> {
      return (await selectOfAccount.all(accountId)).map((row) => ({
        fleetId: row.fleet_id,
        accountId: row.account_id,
        role: row.role === 'admin' ? 'admin' : 'member',
      }));
    },
  };
}

export type FleetMembersRepository = ReturnType<typeof fleetMembersRepository>;
