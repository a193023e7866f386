// The vehicle an app may name on its authorization request: `brand` (checked by the authorization server:
// enabled for the app) and `vin` (checked here, exactly as a typed VIN, against the brand the journey
// ends up with). Without `brand`, a `vin` whose maker code belongs to a brand the app registered presets
// that brand; any other `vin` presets nothing and is refused at the VIN step, where the owner may type one.
// A `vehicle_data` authorization detail's `brand` and `vin` (RFC 9396) count as these parameters do.
import { requestedVehicleData } from '../domain/vehicle-data-details.ts';
import { type BrandId, brandOfWmi, findBrand, isBrandId } from '../domain/vehicles/brands.ts';
import { checkVin, normalizeVin, type VinCheck } from '../domain/vehicles/vin.ts';

type RequestParameters = Record<string, unknown>;

/** The `vin` parameter as the app sent it, else its detail's; an empty one counts as none. */
export function requestedVin(params: RequestParameters): string | undefined {
  const vin = typeof params.vin === 'string' && params.vin.trim() !== '' ? params.vin : undefined;
  return vin ?? requestedVehicleData(params)?.vin;
}

/**
 * The brand the journey starts with: `brand` (or the detail's), else the brand of the VIN's maker code when
 * the app has it.
 */
export function presetBrand(params: RequestParameters, appBrands: readonly string[]): BrandId | null {
  if (isBrandId(params.brand) && findBrand(params.brand)) return params.brand;
  const detailBrand = requestedVehicleData(params)?.brand;
  if (detailBrand !== undefined && findBrand(detailBrand)) return detailBrand;
  const vin = requestedVin(params);
  const byMaker = vin === undefined ? undefined : brandOfWmi(normalizeVin(vin).slice(0, 3));
  return byMaker && appBrands.includes(byMaker.id) ? byMaker.id : null;
}

/** The requested VIN checked against the journey's brand; undefined when the app named none. */
export function checkRequestedVin(params: RequestParameters, brandId: BrandId): VinCheck | undefined {
  const vin = requestedVin(params);
  return vin === undefined ? undefined : checkVin(vin, brandId);
}
