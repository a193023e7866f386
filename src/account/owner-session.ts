// The owner's dashboard session: an HttpOnly, SameSite=Lax cookie holding a random 256-bit session id,
// stored on the server under its hash (owner_sessions), so any instance can read it and signing out ends
// it for good, even where the cookie was copied. One hour, no renewal. Signing in always starts a new
// session (never one whose id was set before the sign-in), and a new password ends all of the account's.
import type { Context } from 'koa';
import { hashSecret, randomToken } from '../security/secrets.ts';
import type { OwnerSessionsRepository } from '../storage/owner-sessions.ts';

const cookieName = 'keyturn.owner';
const lifetimeMs = 3_600_000;

// Unsigned: the id itself is unguessable, and only its hash on the server makes it a session.
const presentedId = (ctx: Context) => ctx.cookies.get(cookieName, { signed: false });

export async function startOwnerSession(
  ctx: Context,
  sessions: OwnerSessionsRepository,
  accountId: string,
): Promise<void> {
  await endOwnerSession(ctx, sessions);
  const id = randomToken(32);
  const expires = new Date(Date.now() + lifetimeMs);
  await sessions.create(hashSecret(id), accountId, expires.getTime());
  ctx.cookies.set(cookieName, id, {
    signed: false,
    httpOnly: true,
    sameSite: 'lax',
    expires,
    overwrite: true,
  });
}

export async function endOwnerSession(ctx: Context, sessions: OwnerSessionsRepository): Promise<void> {
  const id = presentedId(ctx);
  if (id) await sessions.end(hashSecret(id));
  ctx.cookies.set(cookieName, null, { signed: false, overwrite: true });
}

/** The hash under which the presented session is stored, or undefined without a session cookie. */
export function presentedSessionHash(ctx: Context): string | undefined {
  const id = presentedId(ctx);
  return id ? hashSecret(id) : undefined;
}

/** The signed-in owner's account id, or undefined. */
export async function ownerOf(ctx: Context, sessions: OwnerSessionsRepository): Promise<string | undefined> {
  const id = presentedId(ctx);
  return id ? sessions.accountOf(hashSecret(id)) : undefined;
}
