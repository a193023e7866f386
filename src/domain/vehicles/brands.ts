// The brands an owner can pick in the consent journey, the OEM connector serving each, the World
// Manufacturer Identifiers (ISO 3779, first 3 VIN characters) it builds under, and where it is offered.
// Markets: BMW and MINI owners may grant third-party access in 29 countries; other brands use EU/EEA + CH
// + GB.

export const providers = ['bmw', 'mercedes-benz', 'stellantis'] as const;
export type ProviderId = (typeof providers)[number];

/** The 29 markets where BMW and MINI owners can grant third-party access. */
const bmwMarkets =
  'AT BE BG CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL NO PL PT RO SK SI ES SE CH GB'.split(' ');

/** EU/EEA + Switzerland + United Kingdom: the BMW set plus Croatia, Iceland and Liechtenstein. */
const europeanMarkets = [...bmwMarkets, 'HR', 'IS', 'LI'];

const brandList = [
  {
    id: 'bmw',
    name: 'BMW',
    provider: 'bmw',
    wmis: ['WBA', 'WBS', 'WBY', '5UX', '5UM', '5YM', '4US', 'X4X'],
    markets: bmwMarkets,
  },
  { id: 'mini', name: 'MINI', provider: 'bmw', wmis: ['WMW', 'WMZ'], markets: bmwMarkets },
  {
    id: 'mercedes-benz',
    name: 'Mercedes-Benz',
    provider: 'mercedes-benz',
    wmis: ['WDB', 'WDC', 'WDD', 'WDF', 'W1K', 'W1N', 'W1V', 'W1T', '4JG', '55S'],
    markets: europeanMarkets,
  },
  { id: 'peugeot', name: 'Peugeot', provider: 'stellantis', wmis: ['VF3', 'VR3'], markets: europeanMarkets },
  { id: 'citroen', name: 'Citroën', provider: 'stellantis', wmis: ['VF7', 'VR7'], markets: europeanMarkets },
  { id: 'ds', name: 'DS Automobiles', provider: 'stellantis', wmis: ['VR1'], markets: europeanMarkets },
  { id: 'opel', name: 'Opel', provider: 'stellantis', wmis: ['W0L', 'W0V'], markets: europeanMarkets },
  { id: 'fiat', name: 'Fiat', provider: 'stellantis', wmis: ['ZFA', 'ZFC'], markets: europeanMarkets },
  {
    id: 'jeep',
    name: 'Jeep',
    provider: 'stellantis',
    wmis: ['1C4', '1J4', '1J8', 'ZAC'],
    markets: europeanMarkets,
  },
  { id: 'alfa-romeo', name: 'Alfa Romeo', provider: 'stellantis', wmis: ['ZAR'], markets: europeanMarkets },
] as const;

export type BrandId = (typeof brandList)[number]['id'];

export interface Brand {
  readonly id: BrandId;
  /** Display name as the maker writes it. */
  readonly name: string;
  /** The OEM connector that relays clearance requests for this brand. */
  readonly provider: ProviderId;
  readonly wmis: readonly string[];
  /** ISO 3166-1 alpha-2 codes. */
  readonly markets: readonly string[];
}

export const brands: readonly Brand[] = brandList;

const brandsById = new Map<string, Brand>(brands.map((brand) => [brand.id, brand]));
const brandsByWmi = new Map<string, Brand>(brands.flatMap((brand) => brand.wmis.map((wmi) => [wmi, brand])));

export function isBrandId(value: unknown): value is BrandId {
  return typeof value === 'string' && brandsById.has(value);
}

export function findBrand(id: string): Brand | undefined {
  return brandsById.get(id);
}

export function isOfferedIn(brand: Brand, countryCode: string): boolean {
  return brand.markets.includes(countryCode);
}

/** The brand whose World Manufacturer Identifier this is (exact, uppercase), if any. */
export function brandOfWmi(wmi: string): Brand | undefined {
  return brandsByWmi.get(wmi);
}

/** Whether a normalized VIN's first three characters are one of the brand's WMIs. */
export function vinBelongsToBrand(vin: string, brandId: BrandId): boolean {
  return brandOfWmi(vin.slice(0, 3))?.id === brandId;
}
