// Signing in to the Platform and out of it, with the owner's account machinery: the same password check
// and throttle (../account/password-sign-in.ts), the same server-side session (../account/owner-session.ts).
// An account that is no fleet's member gets the same answer as a wrong password.
import type { Context } from 'koa';
import { endOwnerSession, startOwnerSession } from '../account/owner-session.ts';
import { type PasswordSignInDependencies, signInWithPassword } from '../account/password-sign-in.ts';
import type { FleetMembersRepository } from '../storage/fleet-members.ts';
import type { OwnerSessionsRepository } from '../storage/owner-sessions.ts';
import { render } from '../web/views.ts';
import { platformSignIn } from './fleet-user.ts';

export interface PlatformSignInDependencies extends PasswordSignInDependencies {
  sessions: OwnerSessionsRepository;
  members: FleetMembersRepository;
}

const view = 'platform/sign-in.njk';

export function platformSignInPage(deps: PlatformSignInDependencies) {
  return {
    show(ctx: Context) {
      render(ctx, view, { action: platformSignIn, form: {} });
    },
    async submit(ctx: Context) {
      const body = (ctx.request.body ?? {}) as Record<string, unknown>;
      const email = typeof body.email === 'string' ? body.email.trim() : '';
      const signIn = await signInWithPassword(deps, { email, password: body.password, address: ctx.ip });
      const member =
        signIn.outcome === 'signed_in' && (await deps.members.ofAccount(signIn.accountId)).length > 0;
      if (signIn.outcome !== 'signed_in' || !member) {
        const throttled = signIn.outcome === 'throttled';
        if (signIn.outcome === 'throttled') ctx.set('Retry-After', String(signIn.retryAfterSeconds));
        return render(
          ctx,
          view,
          {
            action: platformSignIn,
            form: { email },
            error: throttled ? 'account:errors.sign_in_throttled' : 'platform:sign_in.failed',
          },
          throttled ? 429 : 400,
        );
      }
      await startOwnerSession(ctx, deps.sessions, signIn.accountId);
      ctx.status = 303;
      ctx.redirect('/platform');
    },
    async signOut(ctx: Context) {
      await endOwnerSession(ctx, deps.sessions);
      ctx.status = 303;
      ctx.redirect(platformSignIn);
    },
  };
}
