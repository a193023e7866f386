// Liveness and readiness for load balancers and orchestrators, as JSON. Liveness (`/healthz`) says the
// process serves requests and never asks the database, so an outage does not get healthy instances killed.
// Readiness (`/readyz`) asks the database and whether every migration is applied: 503 while not.
import Router from '@koa/router';
import type { Knex } from 'knex';
import { migrationSource } from '../storage/migrate.ts';

type Check = 'ok' | 'unreachable' | 'current' | 'pending' | 'unknown';

async function checks(knex: Knex): Promise<{ database: Check; migrations: Check }> {
  try {
    await knex.raw('select 1');
  } catch {
    return { database: 'unreachable', migrations: 'unknown' };
  }
  try {
    const [, pending] = (await knex.migrate.list({ migrationSource })) as [unknown[], unknown[]];
    return { database: 'ok', migrations: pending.length === 0 ? 'current' : 'pending' };
  } catch {
    return { database: 'ok', migrations: 'unknown' };
  }
}

export function healthRouter(knex: Knex): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const found = await checks(knex);
    const ready = found.database === 'ok' && found.migrations === 'current';
    ctx.set('Cache-Control', 'no-store');
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'not_ready', checks: found };
  });
  return router;
}
