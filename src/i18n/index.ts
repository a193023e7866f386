// Translations for every user-facing string: one i18next instance, loaded synchronously from
// locales/<lng>/<namespace>.json at import time. Locale negotiation lives in ./negotiate.ts.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import i18next, { type TOptions } from 'i18next';
import { localesDirectory } from '../paths.ts';

export const supportedLocales = ['en', 'de'] as const;
export type Locale = (typeof supportedLocales)[number];
export const defaultLocale: Locale = 'en';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (supportedLocales as readonly string[]).includes(value);
}

export { localesDirectory };

function loadResources(): Record<string, Record<string, unknown>> {
  const resources: Record<string, Record<string, unknown>> = {};
  for (const locale of supportedLocales) {
    const directory = join(localesDirectory, locale);
    resources[locale] = {};
    for (const file of readdirSync(directory).filter((name) => name.endsWith('.json'))) {
      resources[locale][file.replace(/\.json$/, '')] = JSON.parse(
        readFileSync(join(directory, file), 'utf8'),
      );
    }
  }
  return resources;
}

const resources = loadResources();
const instance = i18next.createInstance();
await instance.init({
  resources,
  lng: defaultLocale,
  fallbackLng: false,
  supportedLngs: [...supportedLocales],
  ns: Object.keys(resources[defaultLocale] ?? {}),
  defaultNS: 'common',
  interpolation: { escapeValue: false },
  returnNull: false,
  showSupportNotice: false,
} as Parameters<typeof instance.init>[0]);

export type Translate = (key: string, options?: TOptions) => string;

/** A translator bound to one locale; keys are `namespace:path.to.key`. */
const translators = new Map<Locale, Translate>();

/** Interpolated translations remembered per locale; the values vary (app names, VINs), so it is bounded. */
const maxRemembered = 2_000;

/** The options as part of a memo key, when every value is a plain string or number; otherwise undefined. */
function optionsKey(options: TOptions): string | undefined {
  let key = '';
  for (const name in options) {
    const value = (options as Record<string, unknown>)[name];
    if (typeof value !== 'string' && typeof value !== 'number') return undefined;
    key += `\u0000${name}\u0000${value}`;
  }
  return key;
}

export function translator(locale: Locale): Translate {
  let translate = translators.get(locale);
  if (!translate) {
    const fixed = instance.getFixedT(locale);
    // Resources never change at run time, so a key with the same interpolation values always translates
    // the same: remember the results (pages look up dozens of labels per render, and i18next's lookup
    // with values costs about as much as rendering the rest of a small page).
    const remembered = new Map<string, string>();
    translate = (key, options) => {
      const memoKey = options ? optionsKey(options) : '';
      if (memoKey === undefined) return fixed(key, options as TOptions) as string;
      const fullKey = memoKey ? key + memoKey : key;
      let text = remembered.get(fullKey);
      if (text === undefined) {
        text = (options ? fixed(key, options) : fixed(key)) as string;
        if (remembered.size >= maxRemembered) remembered.clear();
        remembered.set(fullKey, text);
      }
      return text;
    };
    translators.set(locale, translate);
  }
  return translate;
}

/** One namespace's strings in one locale, as loaded (for hashing the exact wording an owner was shown). */
export function stringsOf(locale: Locale, namespace: string): unknown {
  return resources[locale]?.[namespace];
}
