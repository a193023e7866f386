import { describe, expect, it } from 'vitest';
import { checkEligibility, modelYearOf } from '../../src/domain/vehicles/eligibility.ts';

const allBrands = ['bmw', 'mini', 'mercedes-benz', 'peugeot', 'opel'];
const ask = (vin: string, country = 'DE', appBrands: string[] = allBrands, currentYear = 2026) =>
  checkEligibility({ vin, country, appBrands, currentYear });
const codes = (vin: string, country?: string, appBrands?: string[]) =>
  ask(vin, country, appBrands).reasons.map((reason) => reason.code);

describe('modelYearOf', () => {
  it.each([
    ['A', 2010],
    ['G', 2016],
    ['H', 2017],
    ['J', 2018],
    ['K', 2019],
    ['T', 2026],
    ['V', 2027],
    ['W', 1998],
    ['Y', 2000],
    ['1', 2001],
    ['9', 2009],
  ])('position 10 %s in 2026 › %i (the latest year of its cycle not after next year)', (code, year) => {
    expect(modelYearOf(`WBA5R1C5${'0'}${code}A123456`, 2026)).toBe(year);
  });

  it('reads the next cycle once its years have come: W is 2028 in 2027', () => {
    expect(modelYearOf('WBA5R1C50WA123456', 2027)).toBe(2028);
  });

  it.each(['0', 'U', 'Z'])('position 10 %s is no model year code › undefined', (code) => {
    expect(modelYearOf(`WBA5R1C50${code}A123456`, 2026)).toBeUndefined();
  });
});

describe('checkEligibility', () => {
  it.each([
    ['a BMW of model year 2019 in Germany', 'WBA5R1C50KA123456', 'DE', 'bmw'],
    ['a MINI of model year 2018 in Austria', 'WMWXR3102JTL12345', 'AT', 'mini'],
    [
      'a Mercedes-Benz of any model year in Croatia (no model year rule)',
      'WDD2130421A123456',
      'HR',
      'mercedes-benz',
    ],
    ['a lowercase BMW VIN with spaces', ' wba5 r1c5 0ka1 23456', 'DE', 'bmw'],
  ])('eligible › %s', (_case, vin, country, brand) => {
    expect(ask(vin, country)).toMatchObject({ eligible: true, brand, reasons: [] });
  });

  it('answers the VIN as it reads it: uppercase, without spaces or hyphens', () => {
    expect(ask(' wba5-r1c5 0ka1 23456').vin).toBe('WBA5R1C50KA123456');
  });

  it.each([
    ['16 characters', 'WBA5R1C50KA12345'],
    ['a forbidden letter', 'WBA5R1C50KA12345O'],
    ['a full stop', 'WBA5R1C50KA1234.'],
    ['nothing', ''],
  ])('vin_invalid › %s; no brand, nothing else checked', (_case, vin) => {
    expect(ask(vin)).toEqual({
      vin: expect.any(String),
      eligible: false,
      brand: null,
      reasons: [{ code: 'vin_invalid', values: {} }],
    });
  });

  it('brand_unknown › a WMI of no brand Keyturn serves (Ford)', () => {
    expect(ask('WF0AXXWPMAJB43745')).toEqual({
      vin: 'WF0AXXWPMAJB43745',
      eligible: false,
      brand: null,
      reasons: [{ code: 'brand_unknown', values: { wmi: 'WF0' } }],
    });
  });

  it('market_not_supported › a BMW in the United States; Iceland is a Mercedes-Benz market but no BMW one', () => {
    expect(ask('WBA5R1C50KA123456', 'US')).toMatchObject({
      eligible: false,
      brand: 'bmw',
      reasons: [{ code: 'market_not_supported', values: { brand: 'BMW', country: 'US' } }],
    });
    expect(codes('WBA5R1C50KA123456', 'IS')).toEqual(['market_not_supported']);
    expect(codes('WDD2130421A123456', 'IS')).toEqual([]);
  });

  it('brand_not_offered_by_app › a MINI for an app registered for BMW only', () => {
    expect(ask('WMWXR3102JTL12345', 'DE', ['bmw'])).toMatchObject({
      eligible: false,
      brand: 'mini',
      reasons: [{ code: 'brand_not_offered_by_app', values: { brand: 'MINI' } }],
    });
  });

  it.each([
    ['2016 (G)', 'WBA8E9G50GNT12345', 2016],
    ['2010 (A)', 'WBA8E9G50ANT12345', 2010],
    ['2009 (9)', 'WBA8E9G509NT12345', 2009],
  ])('model_too_old › a BMW of model year %s', (_case, vin, modelYear) => {
    expect(ask(vin)).toMatchObject({
      eligible: false,
      reasons: [{ code: 'model_too_old', values: { brand: 'BMW', modelYear, since: '07/2017' } }],
    });
  });

  it('model_year_uncertain › a BMW of model year 2017 is possibly eligible: eligible, with the reason', () => {
    expect(ask('WBA8E9G50HNT12345')).toEqual({
      vin: 'WBA8E9G50HNT12345',
      eligible: true,
      brand: 'bmw',
      reasons: [
        { code: 'model_year_uncertain', values: { brand: 'BMW', modelYear: 2017, since: '07/2017' } },
      ],
    });
  });

  it('model_year_unknown › a MINI whose position 10 is no model year code is eligible, with the reason', () => {
    expect(ask('WMWXR3102UTL12345')).toMatchObject({
      eligible: true,
      reasons: [{ code: 'model_year_unknown', values: { brand: 'MINI' } }],
    });
  });

  it('lists every reason that applies, in the rules’ order', () => {
    expect(codes('WBA8E9G50GNT12345', 'US', ['mercedes-benz'])).toEqual([
      'market_not_supported',
      'brand_not_offered_by_app',
      'model_too_old',
    ]);
  });

  it('the model year rule is the makers’: other brands are never too old', () => {
    expect(codes('VF3AAAAAA8A100003')).toEqual([]);
    expect(codes('W0LBD6EA1AC123456')).toEqual([]);
  });
});
