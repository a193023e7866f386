// CSRF protection for the portal's forms, as a maker's portal has it: a random token per browser in an
// HttpOnly, SameSite=Lax cookie scoped to the simulator, repeated in each form as the hidden field `csrf`
// and compared in constant time on every POST (the double-submit cookie pattern). A form posted from
// another site, or without the token, is refused with 403.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import { SimulatorError } from './errors.ts';
import { basePathOf } from './views.ts';

const cookieName = 'oem_simulator.csrf';
const tokenPattern = /^[A-Za-z0-9_-]{32}$/;

function matches(presented: unknown, token: string): boolean {
  if (typeof presented !== 'string' || presented.length !== token.length) return false;
  return timingSafeEqual(Buffer.from(presented), Buffer.from(token));
}

export async function portalCsrf(ctx: Context, next: Next): Promise<void> {
  let token = ctx.cookies.get(cookieName);
  if (!token || !tokenPattern.test(token)) {
    token = randomBytes(24).toString('base64url');
    ctx.cookies.set(cookieName, token, {
      httpOnly: true,
      sameSite: 'lax',
      path: `${basePathOf(ctx)}/`,
      overwrite: true,
    });
  }
  ctx.state.csrfToken = token;
  if (ctx.method === 'POST') {
    const presented = (ctx.request.body as Record<string, unknown> | undefined)?.csrf;
    if (!matches(presented, token)) throw new SimulatorError(403, 'csrf_rejected');
  }
  await next();
}
