// Renders the simulator's pages from views/oem-simulator/ with nunjucks (autoescape on). Every template
// gets `t` and `locale`, plus the paths it needs to link to itself when the app is mounted under a prefix.

import type { Context } from 'koa';
import nunjucks from 'nunjucks';
import { type Locale, translator } from '../../i18n/index.ts';
import { viewsDirectory } from '../../paths.ts';

export interface Views {
  /** A portal page: also gets `selfPath` (this page) and `basePath` (the simulator's mount prefix). */
  page(ctx: Context, name: string, locale: Locale, context: Record<string, unknown>): string;
  /** A page-less template, such as an email body. */
  render(name: string, locale: Locale, context: Record<string, unknown>): string;
}

/** The request's own path as the browser sees it (with any mount prefix), without a trailing slash. */
function ownPath(ctx: Context): string {
  return new URL(ctx.originalUrl, 'http://simulator.invalid').pathname.replace(/\/+$/, '');
}

/** The prefix the simulator is mounted under ('' when it is served at the root). */
export function basePathOf(ctx: Context): string {
  const selfPath = ownPath(ctx);
  const routePath = ctx.path.replace(/\/+$/, '');
  return selfPath.endsWith(routePath) ? selfPath.slice(0, selfPath.length - routePath.length) : '';
}

export function createViews(): Views {
  const environment = new nunjucks.Environment(new nunjucks.FileSystemLoader(viewsDirectory), {
    autoescape: true,
    throwOnUndefined: false,
  });
  const render = (name: string, locale: Locale, context: Record<string, unknown>) =>
    environment.render(`oem-simulator/${name}`, { ...context, t: translator(locale), locale });
  return {
    render,
    page(ctx, name, locale, context) {
      return render(name, locale, { ...context, selfPath: ownPath(ctx), basePath: basePathOf(ctx) });
    },
  };
}
