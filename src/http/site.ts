// Keyturn's own small pages: the stylesheet, the icon, the legal pages, and the front door (the demo in
// development, the owner's account otherwise).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Router from '@koa/router';
import { viewsDirectory } from '../paths.ts';
import { render } from '../web/views.ts';

const stylesheet = readFileSync(join(viewsDirectory, 'static', 'keyturn.css'), 'utf8');
/** Browsers ask for /favicon.ico on their own: a key on Keyturn's blue, as SVG (which they all accept). */
const icon = readFileSync(join(viewsDirectory, 'static', 'icon.svg'), 'utf8');

export function siteRouter(options: { devTools: boolean }): Router {
  const site = new Router();
  site.get('/static/keyturn.css', (ctx) => {
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = stylesheet;
  });
  site.get('/favicon.ico', (ctx) => {
    ctx.type = 'image/svg+xml';
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = icon;
  });
  site.get('/', (ctx) => ctx.redirect(options.devTools ? '/demo' : '/account'));
  site.get('/legal/terms', (ctx) => render(ctx, 'legal/terms.njk'));
  site.get('/legal/privacy', (ctx) => render(ctx, 'legal/privacy.njk'));
  return site;
}
