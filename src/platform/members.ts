// The fleet's users (/platform/members), for its admins: who belongs to the fleet, inviting a colleague
// by email (a Keyturn account, found or made, mailed a link to set its password, as the admin was),
// removing one, and what the fleet's users did from the Platform. Invitations mail someone: limited per
// fleet. An admin cannot remove themselves, so a fleet always keeps one.
import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import type { Transactions } from '../db/index.ts';
import { isEmailAddress } from '../domain/email.ts';
import { NotFound } from '../errors.ts';
import { ownerMailJob } from '../mail/owner-mail.ts';
import type { OutboxStore } from '../outbox/store.ts';
import type { RateLimit } from '../security/rate-limits.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { FleetMembersRepository } from '../storage/fleet-members.ts';
import type { FleetVehiclesRepository } from '../storage/fleet-vehicles.ts';
import { render } from '../web/views.ts';
import { fleetUser } from './fleet-user.ts';
import { emailsOf } from './present.ts';

export interface MembersDependencies {
  transactions: Transactions;
  accounts: AccountsRepository;
  members: FleetMembersRepository;
  vehicles: FleetVehiclesRepository;
  outbox: OutboxStore;
  invitations: RateLimit;
}

const view = 'platform/members.njk';
export const membersPath = '/platform/members';

export function membersPage(deps: MembersDependencies) {
  async function show(ctx: Context, extra: Record<string, unknown> = {}, status = 200) {
    const { fleet, accountId } = fleetUser(ctx);
    const [members, activity] = await Promise.all([
      deps.members.ofFleet(fleet.id),
      deps.vehicles.activity(fleet.id, 50),
    ]);
    const emails = await emailsOf(deps.accounts, [
      ...members.map((member) => member.accountId),
      ...activity.map((entry) => entry.actor),
    ]);
    render(
      ctx,
      view,
      {
        fleet: { name: fleet.name, isAdmin: true },
        members: members.map((member) => ({
          ...member,
          email: emails.get(member.accountId) ?? '',
          self: member.accountId === accountId,
          since: new Date(member.since).toISOString(),
        })),
        activity: activity.map((entry) => ({
          ...entry,
          by: emails.get(entry.actor) ?? '',
          at: new Date(entry.timestamp).toISOString(),
        })),
        notice: typeof ctx.query.done === 'string' ? `platform:members.done.${ctx.query.done}` : undefined,
        form: {},
        ...extra,
      },
      status,
    );
  }

  const done = (ctx: Context, what: string) => {
    ctx.status = 303;
    ctx.redirect(`${membersPath}?done=${what}`);
  };

  return {
    show: (ctx: Context) => show(ctx),
    async invite(ctx: Context) {
      const { fleet } = fleetUser(ctx);
      const body = (ctx.request.body ?? {}) as Record<string, unknown>;
      const email = typeof body.email === 'string' ? body.email.trim().toLowerCase() : '';
      if (!isEmailAddress(email))
        return show(ctx, { form: { email }, error: 'platform:members.email_invalid' }, 400);
      const wait = await deps.invitations.take(fleet.id);
      if (wait !== undefined) {
        ctx.set('Retry-After', String(wait));
        return show(ctx, { form: { email }, error: 'platform:members.too_many' }, 429);
      }
      const added = await deps.transactions.transaction(async () => {
        const { account } = await deps.accounts.findOrCreate({
          email,
          country: 'DE',
          locale: ctx.state.locale ?? 'en',
        });
        if (!(await deps.members.add(fleet.id, account.id, 'member'))) return false;
        await deps.outbox.enqueue(
          ownerMailJob,
          {
            template: 'fleet_invitation',
            accountId: account.id,
            locale: ctx.state.locale,
            fleetName: fleet.name,
          },
          // Each invitation is its own mail: one removed and invited again is mailed again.
          { dedupeKey: `fleet_invitation:${fleet.id}:${account.id}:${randomUUID()}` },
        );
        return true;
      });
      done(ctx, added ? 'invited' : 'already_member');
    },
    async remove(ctx: Context) {
      const { fleet, accountId } = fleetUser(ctx);
      const member = String(ctx.params.accountId);
      if (member === accountId) return show(ctx, { error: 'platform:members.not_yourself' }, 409);
      if (!(await deps.members.remove(fleet.id, member))) throw new NotFound();
      done(ctx, 'removed');
    },
  };
}
