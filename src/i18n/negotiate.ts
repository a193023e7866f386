// Picks the owner's language: an explicit choice first, then Accept-Language (RFC 9110 §12.5.4), else English.
import { defaultLocale, isLocale, type Locale, supportedLocales } from './index.ts';

/** The first supported locale in a space-separated list such as OIDC's `ui_locales` ("de-DE en"). */
export function firstSupported(list: string | undefined | null): Locale | undefined {
  for (const tag of (list ?? '').split(/[\s,]+/)) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLocale(base)) return base;
  }
  return undefined;
}

export function fromAcceptLanguage(header: string | undefined): Locale | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag, q: q ? Number(q.slice(2)) : 1, index };
    })
    .filter((entry) => entry.tag && Number.isFinite(entry.q) && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const entry of ranked) {
    const found = firstSupported(entry.tag);
    if (found) return found;
  }
  return undefined;
}

export function negotiateLocale(...candidates: Array<Locale | undefined>): Locale {
  return candidates.find((candidate) => candidate !== undefined) ?? defaultLocale;
}

export { supportedLocales };
