import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

function keys(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  return Object.entries(value).flatMap(([key, nested]) => keys(nested, prefix ? `${prefix}.${key}` : key));
}

const load = (locale: string) =>
  JSON.parse(readFileSync(new URL(`../../locales/${locale}/simulator.json`, import.meta.url), 'utf8'));

describe('locales/*/simulator.json', () => {
  it('has the same keys in English and German', () => {
    expect(keys(load('de')).sort()).toEqual(keys(load('en')).sort());
  });
});
