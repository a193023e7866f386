// Where the sign-in page sends an owner afterwards: a page of the owner's own account area that asked them
// to sign in first (e.g. a request-again link from an app), never another site or another area.
import type { Context } from 'koa';

export const signInAction = '/account/sign-in';

/** Only `/account` and paths below it, with a plain query; anything else → undefined. */
export function safeReturnPath(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return /^\/account(\/[A-Za-z0-9._~-]+)*\/?(\?[A-Za-z0-9=&._~-]*)?$/.test(value) ? value : undefined;
}

/** Sends an owner who is not signed in to the sign-in page, to come back to this page afterwards. */
export function signInFirst(ctx: Context): void {
  ctx.redirect(`${signInAction}?next=${encodeURIComponent(ctx.path)}`);
}
