import { describe, expect, it } from 'vitest';
import { checkVin, normalizeVin } from '../../src/domain/vehicles/vin.ts';

describe('normalizeVin', () => {
  it('trims, uppercases and drops spaces and hyphens', () => {
    expect(normalizeVin('  wba 8e9g5-0gnt 12345 ')).toBe('WBA8E9G50GNT12345');
  });
});

describe('checkVin', () => {
  it.each([
    ['a real-looking BMW VIN', 'WBA8E9G50GNT12345', 'bmw', 'WBA8E9G50GNT12345'],
    ['a real-looking MINI VIN', 'WMWXR31020TL12345', 'mini', 'WMWXR31020TL12345'],
    ['a lowercase VIN with spaces', ' wba8 e9g5 0gnt 12345', 'bmw', 'WBA8E9G50GNT12345'],
    ['a VIN grouped with hyphens', 'WBA-8E9G50-GNT12345', 'bmw', 'WBA8E9G50GNT12345'],
    ['a VIN with tabs and line breaks from a paste', '\tWBA8E9G50GNT12345\n', 'bmw', 'WBA8E9G50GNT12345'],
    ['a Mercedes-Benz VIN', 'W1K2130421A123456', 'mercedes-benz', 'W1K2130421A123456'],
    ['an Opel VIN whose WMI holds a zero', 'W0LBD6EA1JC123456', 'opel', 'W0LBD6EA1JC123456'],
    ['a VIN whose check digit would not match', 'WBA8E9G59GNT12345', 'bmw', 'WBA8E9G59GNT12345'],
  ] as const)('accepts %s', (_case, raw, brand, vin) => {
    expect(checkVin(raw, brand)).toEqual({ ok: true, vin });
  });

  it.each([
    ['undefined', undefined, 'missing'],
    ['a number', 12345, 'missing'],
    ['an array', ['WBA8E9G50GNT12345'], 'missing'],
    ['an empty string', '', 'missing'],
    ['only spaces and hyphens', ' - - ', 'missing'],
    ['16 characters', 'WBA8E9G50GNT1234', 'length'],
    ['18 characters', 'WBA8E9G50GNT123456', 'length'],
    ['a full stop', 'WBA8E9G50GNT1234.', 'characters'],
    ['a slash', 'WBA8E9G50/NT12345', 'characters'],
    ['an umlaut', 'WBA8E9G50GNT1234Ä', 'characters'],
    ['an emoji counted as one character', 'WBA8E9G50GNT1234🚗', 'characters'],
    ['the letter I', 'WBA8E9G50GNI12345', 'forbidden_letters'],
    ['the letter O', 'WBA8E9G50GNO12345', 'forbidden_letters'],
    ['the letter Q', 'WBA8E9G50GNQ12345', 'forbidden_letters'],
    ['a lowercase o', 'wba8e9g5ognt12345', 'forbidden_letters'],
    ['a MINI VIN for BMW', 'WMWXR31020TL12345', 'wrong_brand'],
    ['a Mercedes-Benz VIN for BMW', 'WDD2130421A123456', 'wrong_brand'],
    ['an unknown WMI', 'WF0AXXWPMAJB43745', 'wrong_brand'],
  ] as const)('refuses %s as %s', (_case, raw, problem) => {
    expect(checkVin(raw, 'bmw')).toEqual({ ok: false, problem });
  });

  it('reports the length before the characters', () => {
    expect(checkVin('WBA.', 'bmw')).toEqual({ ok: false, problem: 'length' });
  });

  it('reports forbidden letters before the brand', () => {
    expect(checkVin('WMWXR3102OTL12345', 'bmw')).toEqual({ ok: false, problem: 'forbidden_letters' });
  });
});
