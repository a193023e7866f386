// Chooses the page language: `?lang=` (then remembered in a cookie), the cookie, Accept-Language, else English.
// Also offers every page links to the same URL in each supported language.
import type { Context, Next } from 'koa';
import { isLocale, type Locale, supportedLocales } from '../i18n/index.ts';
import { fromAcceptLanguage, negotiateLocale } from '../i18n/negotiate.ts';

export const languageCookie = 'keyturn.lang';

export function languageLinks(ctx: Context): Array<{ locale: Locale; href: string; current: boolean }> {
  return supportedLocales.map((locale) => {
    const url = new URL(ctx.originalUrl, 'http://x');
    url.searchParams.set('lang', locale);
    return { locale, href: url.pathname + url.search, current: ctx.state.locale === locale };
  });
}

export function chooseLocale() {
  return async function chooseLocale(ctx: Context, next: Next) {
    const asked = ctx.query.lang;
    const chosen = isLocale(asked) ? asked : undefined;
    if (chosen) ctx.cookies.set(languageCookie, chosen, { httpOnly: true, sameSite: 'lax', overwrite: true });
    const remembered = ctx.cookies.get(languageCookie);
    ctx.state.locale = negotiateLocale(
      chosen,
      isLocale(remembered) ? remembered : undefined,
      fromAcceptLanguage(ctx.get('accept-language')),
    );
    await next();
  };
}

/** The language of a JSON API's messages: Accept-Language, else English (no cookie, no query). */
export function acceptLanguage() {
  return async function acceptLanguage(ctx: Context, next: Next) {
    ctx.state.locale = negotiateLocale(undefined, undefined, fromAcceptLanguage(ctx.get('accept-language')));
    await next();
  };
}
