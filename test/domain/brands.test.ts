import { describe, expect, it } from 'vitest';
import { isCountryCode } from '../../src/domain/countries.ts';
import {
  brandOfWmi,
  brands,
  findBrand,
  isBrandId,
  isOfferedIn,
  providers,
  vinBelongsToBrand,
} from '../../src/domain/vehicles/brands.ts';

const seed001Markets =
  'AT BE BG CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL NO PL PT RO SK SI ES SE CH GB'.split(' ');

describe('brands', () => {
  it('offers BMW, MINI, Mercedes-Benz and the Stellantis brands in the journey', () => {
    expect(brands.map((brand) => brand.id)).toEqual([
      'bmw',
      'mini',
      'mercedes-benz',
      'peugeot',
      'citroen',
      'ds',
      'opel',
      'fiat',
      'jeep',
      'alfa-romeo',
    ]);
  });

  it.each([
    ['bmw', 'BMW', 'bmw'],
    ['mini', 'MINI', 'bmw'],
    ['mercedes-benz', 'Mercedes-Benz', 'mercedes-benz'],
    ['citroen', 'Citroën', 'stellantis'],
    ['alfa-romeo', 'Alfa Romeo', 'stellantis'],
  ])('findBrand › %s is shown as %s and served by the %s connector', (id, name, provider) => {
    expect(findBrand(id)).toMatchObject({ id, name, provider });
  });

  it('connects every brand through a known provider', () => {
    for (const brand of brands) expect(providers).toContain(brand.provider);
  });

  it('gives each WMI to exactly one brand', () => {
    const wmis = brands.flatMap((brand) => brand.wmis);
    expect(new Set(wmis).size).toBe(wmis.length);
    for (const wmi of wmis) expect(wmi).toMatch(/^[A-HJ-NPR-Z0-9]{3}$/);
  });

  it('lists only assigned ISO 3166-1 alpha-2 markets, each once', () => {
    for (const brand of brands) {
      expect(new Set(brand.markets).size).toBe(brand.markets.length);
      for (const market of brand.markets) expect(isCountryCode(market)).toBe(true);
    }
  });

  it.each(['bmw', 'mini'])('offers %s in exactly the 29 markets BMW opens to third parties', (id) => {
    const brand = findBrand(id)!;
    expect(brand.markets).toHaveLength(29);
    expect([...brand.markets].sort()).toEqual([...seed001Markets].sort());
  });

  it.each(['mercedes-benz', 'peugeot', 'citroen', 'ds', 'opel', 'fiat', 'jeep', 'alfa-romeo'])(
    'offers %s in EU/EEA, Switzerland and the United Kingdom',
    (id) => {
      expect([...findBrand(id)!.markets].sort()).toEqual([...seed001Markets, 'HR', 'IS', 'LI'].sort());
    },
  );

  it.each([
    ['bmw', 'DE', true],
    ['bmw', 'GB', true],
    ['bmw', 'US', false],
    ['bmw', 'HR', false],
    ['bmw', 'de', false],
    ['mercedes-benz', 'HR', true],
    ['peugeot', 'IS', true],
    ['jeep', 'US', false],
  ] as const)('isOfferedIn › %s in %s: %s', (id, country, offered) => {
    expect(isOfferedIn(findBrand(id)!, country)).toBe(offered);
  });

  it.each([undefined, '', 'BMW', 'tesla', 'toString', 'stellantis'])('isBrandId › refuses %j', (value) => {
    expect(isBrandId(value)).toBe(false);
    if (typeof value === 'string') expect(findBrand(value)).toBeUndefined();
  });

  it('isBrandId › accepts every listed brand', () => {
    for (const brand of brands) expect(isBrandId(brand.id)).toBe(true);
  });

  it.each([
    ['WBA', 'bmw'],
    ['5UX', 'bmw'],
    ['WMW', 'mini'],
    ['W1K', 'mercedes-benz'],
    ['VF3', 'peugeot'],
    ['VF7', 'citroen'],
    ['VR1', 'ds'],
    ['W0L', 'opel'],
    ['ZFA', 'fiat'],
    ['1C4', 'jeep'],
    ['ZAR', 'alfa-romeo'],
  ])('brandOfWmi › %s belongs to %s', (wmi, id) => {
    expect(brandOfWmi(wmi)?.id).toBe(id);
  });

  it.each(['WF0', 'wba', 'WOL', ''])('brandOfWmi › knows no brand for %j', (wmi) => {
    expect(brandOfWmi(wmi)).toBeUndefined();
  });

  it('vinBelongsToBrand › matches a VIN to its brand by the first three characters', () => {
    expect(vinBelongsToBrand('WBA8E9G50GNT12345', 'bmw')).toBe(true);
    expect(vinBelongsToBrand('WBA8E9G50GNT12345', 'mini')).toBe(false);
    expect(vinBelongsToBrand('WMWXR31020TL12345', 'mini')).toBe(true);
  });
});
