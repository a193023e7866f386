// Liveness and readiness for load balancers and orchestrators, as JSON. Liveness (`/healthz`) says the
// process serves requests and never asks the database, so an outage does not get healthy instances killed.
// Readiness (`/readyz`) asks the database and whether every migration is applied: 503 while not.
import Router from '@koa/router';
import type { Database } from '../db/index.ts';

type Check = 'ok' | 'unreachable' | 'current' | 'pending' | 'unknown';

async function checks(database: Database): Promise<{ database: Check; migrations: Check }> {
  try {
    await database.ping();
  } catch {
    return { database: 'unreachable', migrations: 'unknown' };
  }
  try {
    return { database: 'ok', migrations: (await database.pendingMigrations()) === 0 ? 'current' : 'pending' };
  } catch {
    return { database: 'ok', migrations: 'unknown' };
  }
}

export function healthRouter(database: Database): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const found = await checks(database);
    const ready = found.database === 'ok' && found.migrations === 'current';
    ctx.set('Cache-Control', 'no-store');
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'not_ready', checks: found };
  });
  return router;
}
