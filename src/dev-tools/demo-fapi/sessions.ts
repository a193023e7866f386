// The FAPI 2.0 demo app's sessions, kept only in memory and keyed by a random id in a signed cookie: the
// pending authorization (PKCE verifier and state) until the callback, then the DPoP-bound tokens, which
// never leave the server. Only the newest `capacity` sessions are kept; a restart forgets them all.
import type { Context } from 'koa';
import { randomToken } from '../../security/secrets.ts';

export interface FapiDemoSession {
  pending?: { codeVerifier: string; state: string; requestUri: string };
  tokens?: { accessToken: string; tokenType: string; requestUri: string };
}

export interface FapiDemoSessions {
  /** The visitor's session, or undefined when the cookie is missing or the session was forgotten. */
  find(ctx: Context): FapiDemoSession | undefined;
  /** Stores `session` as the visitor's, under a fresh id (never a prior one: no fixation). */
  start(ctx: Context, session: FapiDemoSession): void;
  /** Forgets the visitor's session and clears its cookie. */
  end(ctx: Context): void;
}

const cookieName = 'demo_fapi.session';
const cookieOptions = { signed: true, httpOnly: true, sameSite: 'lax' as const, overwrite: true };

export function fapiDemoSessions(capacity = 200): FapiDemoSessions {
  const sessions = new Map<string, FapiDemoSession>();
  function end(ctx: Context): void {
    const id = ctx.cookies.get(cookieName, { signed: true });
    if (id !== undefined) sessions.delete(id);
    ctx.cookies.set(cookieName, null, cookieOptions);
  }
  return {
    find(ctx) {
      const id = ctx.cookies.get(cookieName, { signed: true });
      return id === undefined ? undefined : sessions.get(id);
    },
    start(ctx, session) {
      end(ctx);
      const id = randomToken(24);
      sessions.set(id, session);
      // A Map iterates in insertion order: the first key is the oldest session.
      for (const oldest of sessions.keys()) {
        if (sessions.size <= capacity) break;
        sessions.delete(oldest);
      }
      ctx.cookies.set(cookieName, id, cookieOptions);
    },
    end,
  };
}
