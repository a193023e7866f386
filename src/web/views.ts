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

const fragments = new Map<string, string>();

/**
 * A fragment whose output depends only on the locale and one short variant (e.g. the 249 localized
 * country options with one of them selected), rendered once per locale and variant and kept: looping over
 * it on every request cost more than rendering the rest of a page. `data` must be the same for every call
 * with that view, locale and variant, and variants must come from a small fixed set.
 */
export function localeFragment(
  view: string,
  locale: Locale,
  variant: string,
  data: () => Record<string, unknown>,
): string {
  const key = `${locale}\u0000${view}\u0000${variant}`;
  let html = fragments.get(key);
  if (html === undefined) {
    html = renderView(view, locale, data());
    fragments.set(key, html);
  }
  return html;
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
