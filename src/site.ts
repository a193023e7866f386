// Keyturn's small standalone routes: stylesheet, legal pages, the set-password page and the app's
// `GET /v1/authorization`. The journey, dashboard, callbacks and dev tools have routers of their own.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Router from '@koa/router';
import type { Knex } from 'knex';
import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { setPasswordPage } from './account/set-password.ts';
import type { Config } from './config.ts';
import { authorizationStatusEndpoint } from './oauth/authorization-status.ts';
import { viewsDirectory } from './paths.ts';
import type { AccountsRepository } from './storage/accounts.ts';
import type { ClearancesRepository } from './storage/clearances.ts';
import type { OwnerSessionsRepository } from './storage/owner-sessions.ts';
import { csrfProtection } from './web/csrf.ts';
import { render } from './web/views.ts';

const stylesheet = readFileSync(join(viewsDirectory, 'static', 'keyturn.css'), 'utf8');

export interface SiteDependencies {
  config: Config;
  knex: Knex;
  provider: Provider;
  accounts: AccountsRepository;
  ownerSessions: OwnerSessionsRepository;
  clearances: ClearancesRepository;
  forms: Middleware;
}

export function siteRouter(deps: SiteDependencies): Router {
  const site = new Router();
  site.get('/static/keyturn.css', (ctx) => {
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = stylesheet;
  });
  site.get('/', (ctx) => ctx.redirect(deps.config.devTools ? '/demo' : '/account'));
  site.get('/legal/terms', (ctx) => render(ctx, 'legal/terms.njk'));
  site.get('/legal/privacy', (ctx) => render(ctx, 'legal/privacy.njk'));
  const password = setPasswordPage({
    knex: deps.knex,
    accounts: deps.accounts,
    sessions: deps.ownerSessions,
  });
  site.get('/account/password', csrfProtection(), password.show);
  site.post('/account/password', deps.forms, csrfProtection(), password.submit);
  site.get(
    '/v1/authorization',
    authorizationStatusEndpoint({ provider: deps.provider, clearances: deps.clearances }),
  );
  return site;
}
