// English and German carry the same keys in every namespace, and every translation key written literally
// in a view or in the sources exists in both. Keys built at run time (`'ns:prefix.' + id`, template
// literals) are out of reach of a static check and skipped.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const locales = ['en', 'de'] as const;

function filesUnder(directory: string, extension: string): string[] {
  return readdirSync(join(root, directory), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(extension))
    .map((entry) => join(entry.parentPath, entry.name));
}

function keysOf(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  return Object.entries(value).flatMap(([key, child]) => keysOf(child, prefix ? `${prefix}.${key}` : key));
}

function namespacesOf(locale: string): string[] {
  return readdirSync(join(root, 'locales', locale))
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.replace(/\.json$/, ''))
    .sort();
}

function keysIn(locale: string, namespace: string): string[] {
  const file = join(root, 'locales', locale, `${namespace}.json`);
  return keysOf(JSON.parse(readFileSync(file, 'utf8'))).sort();
}

const namespaces = namespacesOf('en');
const known = new Map(
  locales.map((locale) => [
    locale,
    new Set(namespacesOf(locale).flatMap((ns) => keysIn(locale, ns).map((key) => `${ns}:${key}`))),
  ]),
);

/** Every complete `'ns:path.to.key'` string literal; a literal followed by `+` is a prefix and skipped. */
function literalKeys(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const pattern = new RegExp(`(['"])((?:${namespaces.join('|')}):[A-Za-z0-9_.-]+)\\1(\\s*\\+)?`, 'g');
  return [...source.matchAll(pattern)]
    .filter((match) => match[3] === undefined && !match[2]?.endsWith('.'))
    .map((match) => match[2] as string);
}

const sources = [...filesUnder('views', '.njk'), ...filesUnder('src', '.ts')];
const used = sources.flatMap((file) => literalKeys(file).map((key) => ({ file: relative(root, file), key })));

describe('locales', () => {
  it('locales/en and locales/de › have the same namespace files', () => {
    expect(namespacesOf('de')).toEqual(namespaces);
    expect(namespaces.length).toBeGreaterThan(0);
  });

  it.each(namespaces)('locales/en and locales/de › %s.json has identical keys', (namespace) => {
    expect(keysIn('de', namespace)).toEqual(keysIn('en', namespace));
  });

  it('views and sources › use translation keys literally, so this check has something to check', () => {
    expect(used.some(({ file }) => file.endsWith('.njk'))).toBe(true);
    expect(used.some(({ file }) => file.endsWith('.ts'))).toBe(true);
  });

  it.each(locales)('views and sources › every literal translation key exists in %s', (locale) => {
    const keys = known.get(locale) as Set<string>;
    const missing = used.filter(({ key }) => !keys.has(key)).map(({ file, key }) => `${file}: ${key}`);
    expect(missing).toEqual([]);
  });
});
