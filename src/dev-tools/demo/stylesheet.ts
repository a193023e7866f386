// The demo app's own stylesheet (views/static/demo.css), read once and served at /demo/static/demo.css:
// the demo looks like another company's app, so it does not load Keyturn's stylesheet.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'koa';
import { viewsDirectory } from '../../paths.ts';

export const demoStylesheetPath = '/static/demo.css';

const stylesheet = readFileSync(join(viewsDirectory, 'static', 'demo.css'), 'utf8');

export function serveDemoStylesheet(ctx: Context): void {
  ctx.type = 'text/css';
  ctx.set('Cache-Control', 'public, max-age=3600');
  ctx.body = stylesheet;
}
