// Normalizes and validates the VIN an owner types (ISO 3779 as used in Europe): 17 characters,
// A–Z and 0–9 without I, O, Q, a WMI of the chosen brand. The check digit is never required.
import { type BrandId, vinBelongsToBrand } from './brands.ts';

export const vinProblems = ['missing', 'length', 'characters', 'forbidden_letters', 'wrong_brand'] as const;
export type VinProblem = (typeof vinProblems)[number];

export type VinCheck = { ok: true; vin: string } | { ok: false; problem: VinProblem };

export const vinLength = 17;

/** Trims, uppercases and drops whitespace and hyphens, as owners copy VINs from documents. */
export function normalizeVin(raw: string): string {
  return raw.replace(/[\s-]+/g, '').toUpperCase();
}

/** The VIN's form alone, whatever its maker: checked in a fixed order, the most basic problem first. */
export function checkVinFormat(raw: unknown): VinCheck {
  if (typeof raw !== 'string') return { ok: false, problem: 'missing' };
  const vin = normalizeVin(raw);
  if (vin === '') return { ok: false, problem: 'missing' };
  // Count code points, not UTF-16 units, so one pasted emoji is one wrong character.
  if (Array.from(vin).length !== vinLength) return { ok: false, problem: 'length' };
  if (!/^[A-Z0-9]+$/.test(vin)) return { ok: false, problem: 'characters' };
  if (/[IOQ]/.test(vin)) return { ok: false, problem: 'forbidden_letters' };
  return { ok: true, vin };
}

/** Checks in a fixed order so the owner sees the most basic problem first; the brand comes last. */
export function checkVin(raw: unknown, brandId: BrandId): VinCheck {
  const format = checkVinFormat(raw);
  if (!format.ok) return format;
  if (!vinBelongsToBrand(format.vin, brandId)) return { ok: false, problem: 'wrong_brand' };
  return format;
}
