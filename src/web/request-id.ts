// Every request gets an id an operator can find it by: the caller's `X-Request-Id` when it is 1–64
// characters of `A–Z a–z 0–9 . _ -` (a proxy's or a client's own) and nothing a log may not hold (a
// VIN-shaped id is replaced too), else a new UUID. It is sent back as `X-Request-Id`, kept in
// ctx.state.requestId for the request log and the error path, and shown on error pages as the reference
// a user can quote.
import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import { withoutPersonalData } from '../logger.ts';

export const requestIdHeader = 'X-Request-Id';
const acceptableId = /^[A-Za-z0-9._-]{1,64}$/;

export function requestId() {
  return async function requestId(ctx: Context, next: Next) {
    const presented = ctx.get(requestIdHeader);
    const id =
      acceptableId.test(presented) && withoutPersonalData(presented) === presented ? presented : randomUUID();
    ctx.state.requestId = id;
    ctx.set(requestIdHeader, id);
    try {
      await next();
    } catch (error) {
      // Koa's own error answer clears the headers set so far and then sets the error's `headers`.
      if (error !== null && typeof error === 'object') {
        const carrier = error as { headers?: Record<string, string> };
        carrier.headers = { ...carrier.headers, [requestIdHeader]: id };
      }
      throw error;
    }
  };
}
