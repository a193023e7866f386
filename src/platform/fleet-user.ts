// Who is using the Platform: the signed-in account (the same session as the owner's dashboard) and the
// fleet it is a member of. Every Platform page but sign-in needs one; anyone else is sent to sign in.
import type { Context, Next } from 'koa';
import { ownerOf } from '../account/owner-session.ts';
import { KeyturnError } from '../errors.ts';
import type { FleetMembersRepository, FleetRole } from '../storage/fleet-members.ts';
import type { Fleet, FleetsRepository } from '../storage/fleets.ts';
import type { OwnerSessionsRepository } from '../storage/owner-sessions.ts';

export const platformSignIn = '/platform/sign-in';

export interface FleetUser {
  accountId: string;
  fleet: Fleet;
  role: FleetRole;
}

export interface FleetUserDependencies {
  sessions: OwnerSessionsRepository;
  members: FleetMembersRepository;
  fleets: FleetsRepository;
}

/** The signed-in account's fleet (its oldest membership), or undefined. */
export async function fleetUserOf(ctx: Context, deps: FleetUserDependencies): Promise<FleetUser | undefined> {
  const accountId = await ownerOf(ctx, deps.sessions);
  if (!accountId) return undefined;
  for (const membership of await deps.members.ofAccount(accountId)) {
    const fleet = await deps.fleets.find(membership.fleetId);
    if (fleet) return { accountId, fleet, role: membership.role };
  }
  return undefined;
}

export function requireFleetUser(deps: FleetUserDependencies) {
  return async function requireFleetUser(ctx: Context, next: Next) {
    const user = await fleetUserOf(ctx, deps);
    if (!user) {
      ctx.status = 303;
      return ctx.redirect(platformSignIn);
    }
    ctx.state.fleetUser = user;
    await next();
  };
}

export const fleetUser = (ctx: Context): FleetUser => ctx.state.fleetUser as FleetUser;

/** Pages only a fleet's admins may use (after requireFleetUser): anyone else gets 403. */
export async function requireAdmin(ctx: Context, next: Next) {
  if (fleetUser(ctx).role !== 'admin') throw new KeyturnError(403, 'forbidden');
  await next();
}
