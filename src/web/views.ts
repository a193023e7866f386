// Server-rendered pages: one nunjucks environment over views/, autoescaped; every page gets `t` and `locale`.

import type { Context } from 'koa';
import nunjucks from 'nunjucks';
import { type Locale, translator } from '../i18n/index.ts';
import { viewsDirectory } from '../paths.ts';
import { languageLinks } from './locale.ts';

const environment = new nunjucks.Environment(
  new nunjucks.FileSystemLoader(viewsDirectory, { noCache: false }),
  {
    autoescape: true,
    throwOnUndefined: false,
  },
);

export function renderView(view: string, locale: Locale, data: Record<string, unknown> = {}): string {
  return environment.render(view, { ...data, t: translator(locale), locale });
}

/** Renders `view` as the response, in the request's locale (ctx.state.locale). */
export function render(ctx: Context, view: string, data: Record<string, unknown> = {}, status = 200): void {
  const locale = (ctx.state.locale ?? 'en') as Locale;
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = renderView(view, locale, {
    ...data,
    csrfToken: ctx.state.csrfToken,
    languageLinks: languageLinks(ctx),
  });
}
