// CSRF protection for Keyturn's own forms: a per-browser random token in a signed, HttpOnly, SameSite
// cookie, repeated in each form as the hidden field `csrf` and compared in constant time on every POST.
import type { Context, Next } from 'koa';
import { CsrfRejected } from '../errors.ts';
import { constantTimeEqual, randomToken } from '../security/secrets.ts';

const cookieName = 'keyturn.csrf';
const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function csrfProtection() {
  return async function csrfProtection(ctx: Context, next: Next) {
    let token = ctx.cookies.get(cookieName, { signed: true });
    if (!token) {
      token = randomToken(24);
      ctx.cookies.set(cookieName, token, { signed: true, httpOnly: true, sameSite: 'lax', overwrite: true });
    }
    ctx.state.csrfToken = token;
    if (unsafeMethods.has(ctx.method)) {
      const presented = (ctx.request.body as Record<string, unknown> | undefined)?.csrf;
      if (typeof presented !== 'string' || !constantTimeEqual(presented, token)) throw new CsrfRejected();
    }
    await next();
  };
}
