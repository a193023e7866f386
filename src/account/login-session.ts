// The owner is signed in twice over: the authorization server's login session (the journey remembers the
// owner with it) and the dashboard's session. Signing out of either ends both: the dashboard's "Sign out"
// ends the login session too, and an app's RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0)
// ends the dashboard's session too.
import type { Context } from 'koa';
import type AuthorizationServer from 'oidc-provider';
import type { OwnerSessionsRepository } from '../storage/owner-sessions.ts';
import { endOwnerSession } from './owner-session.ts';

interface SessionCookies {
  cookieName(type: 'session'): string;
}

/** Ends this browser's login session at the authorization server, if it has one. */
export async function endLoginSession(ctx: Context, authorizationServer: AuthorizationServer): Promise<void> {
  const name = (authorizationServer as unknown as SessionCookies).cookieName('session');
  const id = ctx.cookies.get(name, { signed: true });
  if (id) await (await authorizationServer.Session.find(id))?.destroy();
  ctx.cookies.set(name, null, { signed: true, httpOnly: true, sameSite: 'lax', overwrite: true });
}

/** After an RP-initiated logout the owner confirmed, the dashboard's session ends as well. */
export function endOwnerSessionOnLogout(
  authorizationServer: AuthorizationServer,
  sessions: OwnerSessionsRepository,
): void {
  authorizationServer.use(async function endOwnerSessionOnLogout(ctx, next) {
    await next();
    const oidc = (ctx as { oidc?: { route?: string; params?: Record<string, unknown> } }).oidc;
    if (oidc?.route === 'end_session_confirm' && oidc.params?.logout) await endOwnerSession(ctx, sessions);
  });
}
