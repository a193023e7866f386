// The owner's dashboard session: a signed, HttpOnly, SameSite=Lax cookie holding the account id and its
// expiry (cookie keys are shared by every instance, so any instance can read it). One hour, no renewal.
import type { Context } from 'koa';

const cookieName = 'keyturn.owner';
const lifetimeMs = 3_600_000;

export function startOwnerSession(ctx: Context, accountId: string): void {
  const expires = new Date(Date.now() + lifetimeMs);
  ctx.cookies.set(cookieName, `${accountId}.${expires.getTime()}`, {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    expires,
    overwrite: true,
  });
}

export function endOwnerSession(ctx: Context): void {
  ctx.cookies.set(cookieName, null, { signed: true, overwrite: true });
}

export function ownerOf(ctx: Context): string | undefined {
  const value = ctx.cookies.get(cookieName, { signed: true });
  if (!value) return undefined;
  const separator = value.lastIndexOf('.');
  const expiresAt = Number(value.slice(separator + 1));
  return Number.isFinite(expiresAt) && expiresAt > Date.now() ? value.slice(0, separator) : undefined;
}
