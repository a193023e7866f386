// The `vehicle_data` authorization details type (RFC 9396 §2): the data points of one vehicle an app asks
// for, an alternative to data-point scopes. A request carries exactly one such detail, with nothing but
// `type`, `data_points` (known data points the app is registered for, each once), and optionally `brand`
// (one the app registered) and `vin` (a well-formed VIN). The granted detail names the brand and VIN
// consented to; apps and resources read it with the authorization's current status beside it.

import { type AuthorizationStatus, authorizationStatus, type ClearanceStatus } from './clearance/status.ts';
import { isDataPoint } from './data-points.ts';
import { type BrandId, isBrandId } from './vehicles/brands.ts';
import { checkVinFormat } from './vehicles/vin.ts';

export const vehicleDataType = 'vehicle_data';

const fields = new Set(['type', 'data_points', 'brand', 'vin']);

/** A `vehicle_data` detail as an app may request it, already checked. */
export type RequestedVehicleData = {
  type: typeof vehicleDataType;
  data_points: string[];
  brand?: BrandId;
  vin?: string;
};

/** The detail as granted: the vehicle the owner consented to is always named. */
export type GrantedVehicleData = {
  type: typeof vehicleDataType;
  data_points: string[];
  brand: string;
  vin: string;
};

/** What the app registered: the data points and brands a detail may name. */
export interface DetailRequester {
  dataPoints: readonly string[];
  brands: readonly string[];
}

export const vehicleDataProblems = [
  'not_one_detail',
  'unknown_type',
  'unknown_field',
  'data_points_invalid',
  'data_point_unknown',
  'data_point_not_registered',
  'brand_not_enabled',
  'vin_invalid',
] as const;
export type VehicleDataProblem = (typeof vehicleDataProblems)[number];

export type VehicleDataCheck =
  | { ok: true; detail: RequestedVehicleData }
  | { ok: false; problem: VehicleDataProblem; field?: string };

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks one detail, the most basic problem first. */
export function checkVehicleDataDetail(detail: unknown, requester: DetailRequester): VehicleDataCheck {
  if (!isPlainObject(detail) || detail.type !== vehicleDataType)
    return { ok: false, problem: 'unknown_type' };
  const extra = Object.keys(detail).find((key) => !fields.has(key));
  if (extra !== undefined) return { ok: false, problem: 'unknown_field', field: extra };
  const points = detail.data_points;
  if (!Array.isArray(points) || points.length === 0 || new Set(points).size !== points.length)
    return { ok: false, problem: 'data_points_invalid' };
  const unknown = points.find((point) => !isDataPoint(point));
  if (unknown !== undefined) return { ok: false, problem: 'data_point_unknown', field: String(unknown) };
  const unregistered = points.find((point) => !requester.dataPoints.includes(point));
  if (unregistered !== undefined)
    return { ok: false, problem: 'data_point_not_registered', field: unregistered };
  if (detail.brand !== undefined && !(isBrandId(detail.brand) && requester.brands.includes(detail.brand)))
    return { ok: false, problem: 'brand_not_enabled' };
  if (detail.vin !== undefined && !checkVinFormat(detail.vin).ok)
    return { ok: false, problem: 'vin_invalid' };
  return {
    ok: true,
    detail: {
      type: vehicleDataType,
      data_points: points as string[],
      ...(detail.brand === undefined ? {} : { brand: detail.brand as BrandId }),
      ...(detail.vin === undefined ? {} : { vin: detail.vin as string }),
    },
  };
}

/** Checks a request's whole `authorization_details` array: exactly one `vehicle_data` detail. */
export function checkAuthorizationDetails(details: unknown, requester: DetailRequester): VehicleDataCheck {
  if (!Array.isArray(details) || details.length !== 1) return { ok: false, problem: 'not_one_detail' };
  return checkVehicleDataDetail(details[0], requester);
}

/**
 * The `vehicle_data` detail of an authorization request's parameters (the `authorization_details` JSON
 * text, which the authorization server has checked); undefined when the request carries none.
 */
export function requestedVehicleData(params: Record<string, unknown>): RequestedVehicleData | undefined {
  const text = params.authorization_details;
  if (typeof text !== 'string') return undefined;
  let details: unknown;
  try {
    details = JSON.parse(text);
  } catch {
    return undefined;
  }
  const found = Array.isArray(details)
    ? details.find((d) => isPlainObject(d) && d.type === vehicleDataType)
    : undefined;
  if (!isPlainObject(found) || !Array.isArray(found.data_points)) return undefined;
  return {
    type: vehicleDataType,
    data_points: found.data_points.filter((point): point is string => typeof point === 'string'),
    ...(isBrandId(found.brand) ? { brand: found.brand } : {}),
    ...(typeof found.vin === 'string' ? { vin: found.vin } : {}),
  };
}

/** A token's granted details as apps and resources read them: each with the authorization's status now. */
export function detailsWithStatus(
  granted: readonly Record<string, unknown>[],
  status: ClearanceStatus,
): Array<Record<string, unknown> & { status: AuthorizationStatus }> {
  return granted.map((detail) => ({ ...detail, status: authorizationStatus(status) }));
}
