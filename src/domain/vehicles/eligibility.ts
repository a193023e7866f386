// Whether a vehicle can be connected through Keyturn, answered from its VIN and the owner's country before
// any owner walks the journey: the VIN's form (ISO 3779), the brand of its World Manufacturer Identifier,
// that brand offered in the country, the app offering that brand, and, for the brands whose makers grant
// access only to cars produced since a given month, the model year (VIN position 10). BMW and MINI grant it
// for European models produced since July 2017; the month is not in the VIN, so model year 2018 and later
// is eligible, 2017 possibly (eligible, with `model_year_uncertain`), earlier not (`model_too_old`).
import { type Brand, type BrandId, brandOfWmi, isOfferedIn } from './brands.ts';
import { checkVinFormat, normalizeVin } from './vin.ts';

export const eligibilityReasonCodes = [
  'vin_invalid',
  'brand_unknown',
  'market_not_supported',
  'brand_not_offered_by_app',
  'model_too_old',
  'model_year_uncertain',
  'model_year_unknown',
] as const;
export type EligibilityReasonCode = (typeof eligibilityReasonCodes)[number];

/** Reasons that make a vehicle ineligible; the others only qualify an eligible answer. */
const blocking: ReadonlySet<EligibilityReasonCode> = new Set([
  'vin_invalid',
  'brand_unknown',
  'market_not_supported',
  'brand_not_offered_by_app',
  'model_too_old',
]);

export interface EligibilityReason {
  code: EligibilityReasonCode;
  /** Values for the reason's message (the brand's name, the country, the model year…). */
  values: Record<string, string | number>;
}

export interface Eligibility {
  /** The VIN as Keyturn reads it (uppercase, without spaces or hyphens). */
  vin: string;
  eligible: boolean;
  brand: BrandId | null;
  reasons: EligibilityReason[];
}

export interface EligibilityQuestion {
  vin: string;
  /** ISO 3166-1 alpha-2, as checked by the caller. */
  country: string;
  /** The brands the asking app registered: the only ones its owners can connect. */
  appBrands: readonly string[];
  /** The calendar year now, to read the model year's 30-year cycle. */
  currentYear: number;
}

/** The production month from which a brand's maker grants third-party access, where it restricts it. */
const producedSince: Partial<Record<BrandId, { year: number; month: number }>> = {
  bmw: { year: 2017, month: 7 },
  mini: { year: 2017, month: 7 },
};

/**
 * The model year codes of VIN position 10 in order, repeating every 30 years: A = 1980 or 2010 … Y = 2000
 * or 2030, 1 = 2001 or 2031 … 9 = 2009 or 2039 (never I, O, Q, U, Z or 0).
 */
const modelYearCodes = 'ABCDEFGHJKLMNPRSTVWXY123456789';
const modelYearCycle = modelYearCodes.length;

/**
 * The model year of a normalized VIN's position 10: of the years its code stands for, the latest not after
 * next year (a model year runs up to a year ahead of the calendar); undefined for a character that is no
 * model year code.
 */
export function modelYearOf(vin: string, currentYear: number): number | undefined {
  const index = modelYearCodes.indexOf(vin.charAt(9));
  if (index < 0) return undefined;
  const latest = currentYear + 1;
  return latest - ((((latest - 1980 - index) % modelYearCycle) + modelYearCycle) % modelYearCycle);
}

const since = (start: { year: number; month: number }) =>
  `${String(start.month).padStart(2, '0')}/${start.year}`;

function modelYearReasons(brand: Brand, vin: string, currentYear: number): EligibilityReason[] {
  const start = producedSince[brand.id];
  if (!start) return [];
  const modelYear = modelYearOf(vin, currentYear);
  const values = { brand: brand.name, since: since(start) };
  if (modelYear === undefined) return [{ code: 'model_year_unknown', values }];
  if (modelYear < start.year) return [{ code: 'model_too_old', values: { ...values, modelYear } }];
  // Cars of the first model year may have been produced before or after the month: possibly eligible.
  if (modelYear === start.year && start.month > 1)
    return [{ code: 'model_year_uncertain', values: { ...values, modelYear } }];
  return [];
}

/** Every reason that applies, in the order the rules are listed above; eligible unless one of them blocks. */
export function checkEligibility(question: EligibilityQuestion): Eligibility {
  const format = checkVinFormat(question.vin);
  if (!format.ok)
    return {
      vin: normalizeVin(question.vin),
      eligible: false,
      brand: null,
      reasons: [{ code: 'vin_invalid', values: {} }],
    };
  const vin = format.vin;
  const brand = brandOfWmi(vin.slice(0, 3));
  if (!brand)
    return {
      vin,
      eligible: false,
      brand: null,
      reasons: [{ code: 'brand_unknown', values: { wmi: vin.slice(0, 3) } }],
    };
  const reasons: EligibilityReason[] = [];
  if (!isOfferedIn(brand, question.country))
    reasons.push({ code: 'market_not_supported', values: { brand: brand.name, country: question.country } });
  if (!question.appBrands.includes(brand.id))
    reasons.push({ code: 'brand_not_offered_by_app', values: { brand: brand.name } });
  reasons.push(...modelYearReasons(brand, vin, question.currentYear));
  return {
    vin,
    eligible: !reasons.some((reason) => blocking.has(reason.code)),
    brand: brand.id,
    reasons,
  };
}
