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

export function translator(locale: Locale): Translate {
  let translate = translators.get(locale);
  if (!translate) {
    const fixed = instance.getFixedT(locale);
    // Resources never change at run time, so a key without interpolation values always translates the
    // same: remember those (pages look up dozens of labels per render).
    const plain = new Map<string, string>();
    translate = (key, options) => {
      if (options) return fixed(key, options) as string;
      let text = plain.get(key);
      if (text === undefined) {
        text = fixed(key) as string;
        plain.set(key, text);
      }
      return text;
    };
    translators.set(locale, translate);
  }
  return translate;
}
