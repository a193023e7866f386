// Reads the translation files directly (not through the app's i18n module), so tests state the exact
// words an owner must see.
import { readFileSync } from 'node:fs';

export type TestLocale = 'en' | 'de';

const cache = new Map<string, unknown>();

function namespace(locale: TestLocale, ns: string): unknown {
  const file = new URL(`../../locales/${locale}/${ns}.json`, import.meta.url);
  if (!cache.has(file.href)) cache.set(file.href, JSON.parse(readFileSync(file, 'utf8')));
  return cache.get(file.href);
}

/** The message for `ns:path.to.key` in `locale`, with `{{name}}` placeholders filled from `values`. */
export function message(locale: TestLocale, key: string, values: Record<string, string> = {}): string {
  const [ns = '', path = ''] = key.split(':');
  let node = namespace(locale, ns);
  for (const part of path.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  if (typeof node !== 'string') throw new Error(`no message ${key} in ${locale}`);
  return node.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => values[name] ?? `{{${name}}}`);
}
