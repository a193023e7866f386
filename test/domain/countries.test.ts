import { describe, expect, it } from 'vitest';
import { countryCodes, countryOptions, isCountryCode } from '../../src/domain/countries.ts';

describe('countries', () => {
  it('lists all 249 officially assigned ISO 3166-1 alpha-2 codes once', () => {
    expect(countryCodes).toHaveLength(249);
    expect(new Set(countryCodes).size).toBe(249);
    for (const code of countryCodes) expect(code).toMatch(/^[A-Z]{2}$/);
  });

  it.each(['AD', 'DE', 'GB', 'AX', 'CW', 'SS', 'BQ', 'ZW'])('isCountryCode › accepts %s', (code) => {
    expect(isCountryCode(code)).toBe(true);
  });

  it.each([undefined, null, 49, '', 'de', 'De', 'DEU', ' DE', 'UK', 'EU', 'XK', 'ZZ', 'AA'])(
    'isCountryCode › refuses %j',
    (value) => {
      expect(isCountryCode(value)).toBe(false);
    },
  );

  it.each([
    ['en', 'Germany'],
    ['de', 'Deutschland'],
  ] as const)('countryOptions › names DE %s: %s', (locale, name) => {
    expect(countryOptions(locale).find((option) => option.code === 'DE')?.name).toBe(name);
  });

  it.each(['en', 'de'] as const)(
    'countryOptions › offers all 249 countries in %s, sorted by name',
    (locale) => {
      const options = countryOptions(locale);
      expect(options).toHaveLength(249);
      const collator = new Intl.Collator(locale);
      for (let i = 1; i < options.length; i++) {
        expect(collator.compare(options[i - 1]!.name, options[i]!.name)).toBeLessThanOrEqual(0);
      }
    },
  );

  it('countryOptions › sorts Ägypten among the A countries in German', () => {
    const names = countryOptions('de').map((option) => option.name);
    expect(names.indexOf('Ägypten')).toBeLessThan(names.indexOf('Belgien'));
  });

  it('countryOptions › gives every country a real name, never its code', () => {
    for (const { code, name } of countryOptions('en')) expect(name).not.toBe(code);
  });

  it('countryOptions › computes each locale once', () => {
    expect(countryOptions('de')).toBe(countryOptions('de'));
  });
});
