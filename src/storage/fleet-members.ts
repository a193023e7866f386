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
  return {
    async add(fleetId: string, accountId: string, role: FleetRole): Promise<void> {
      await insert.run(fleetId, accountId, role, Date.now());
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
