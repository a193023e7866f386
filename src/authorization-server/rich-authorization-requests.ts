// Rich Authorization Requests (RFC 9396) for oidc-provider: the one type `vehicle_data`
// (../domain/vehicle-data-details.ts), requested at the authorization endpoint, plain or pushed (RFC 9126),
// instead of data-point scopes, and refused with `invalid_authorization_details` (§5) when it breaks a rule.
// The code, and every token redeemed from it or refreshed after it, carries the detail the owner granted
// (the journey records it on the grant, with the brand and VIN consented to), never the one requested.
// oidc-provider issues such tokens for a resource (RFC 8707): Keyturn's issuer, defaulted so apps need not
// name it. It grants no scopes of its own: the details say what the token is for.
import {
  type Configuration,
  errors,
  type KoaContextWithOIDC,
  type RichAuthorizationRequestsActiveConfiguration,
} from 'oidc-provider';
import { isDataPoint } from '../domain/data-points.ts';
import {
  checkAuthorizationDetails,
  type VehicleDataProblem,
  vehicleDataType,
} from '../domain/vehicle-data-details.ts';
import { normalizeVin } from '../domain/vehicles/vin.ts';
import { clientProperty } from './clients.ts';

type ClientLike = { scope?: string; metadata(): Record<string, unknown> };

const descriptions: Record<VehicleDataProblem, string> = {
  not_one_detail: `authorization_details must hold exactly one ${vehicleDataType} detail`,
  unknown_type: `the only supported authorization details type is ${vehicleDataType}`,
  unknown_field: `a ${vehicleDataType} detail has only type, data_points, brand and vin`,
  data_points_invalid: 'data_points must be a non-empty array naming each data point once',
  data_point_unknown: 'data_points names an unknown data point',
  data_point_not_registered: 'data_points names a data point this app is not registered for',
  brand_not_enabled: 'brand is unknown or not enabled for this app',
  vin_invalid: 'vin is not a valid VIN (17 characters, A-Z and 0-9 without I, O and Q)',
};

function refuse(problem: VehicleDataProblem, field?: string): never {
  throw new errors.InvalidAuthorizationDetails(
    field === undefined ? descriptions[problem] : `${descriptions[problem]}: ${field}`,
  );
}

/** The app's registered data points and brands, as its client metadata holds them (./clients.ts). */
function requesterOf(client: ClientLike) {
  return {
    dataPoints: (client.scope ?? '').split(' ').filter(isDataPoint),
    brands: (clientProperty(client, 'keyturn_brands') as string[] | undefined) ?? [],
  };
}

/**
 * oidc-provider checks each detail on its own, after the type: the request's whole array is checked here,
 * with the parameters beside it.
 */
async function validateVehicleData(ctx: KoaContextWithOIDC, _detail: unknown, client: ClientLike) {
  const { route, params } = ctx.oidc;
  // Details are granted by the owner in the journey; a token request cannot ask for new or narrower ones.
  if (route !== 'authorization' && route !== 'pushed_authorization_request')
    throw new errors.InvalidAuthorizationDetails(
      'authorization_details are requested at the authorization endpoint',
    );
  // Data points are asked for one way or the other: the detail, or scopes, never both in one request.
  if (
    String(params?.scope ?? '')
      .split(' ')
      .some(isDataPoint)
  )
    throw new errors.InvalidRequest(
      'ask for data points either as scopes or in authorization_details, not both',
    );
  const check = checkAuthorizationDetails(
    JSON.parse(String(params?.authorization_details)),
    requesterOf(client),
  );
  if (!check.ok) return refuse(check.problem, check.field);
  // The `brand` and `vin` parameters, when sent too, must name the same vehicle.
  const { brand, vin } = check.detail;
  if (brand !== undefined && params?.brand !== undefined && params.brand !== brand)
    throw new errors.InvalidAuthorizationDetails('brand differs from the brand parameter');
  if (
    vin !== undefined &&
    typeof params?.vin === 'string' &&
    params.vin.trim() !== '' &&
    normalizeVin(params.vin) !== normalizeVin(vin)
  )
    throw new errors.InvalidAuthorizationDetails('vin differs from the vin parameter');
}

export function richAuthorizationRequests(): RichAuthorizationRequestsActiveConfiguration {
  return {
    enabled: true,
    types: { [vehicleDataType]: { validate: validateVehicleData as never } },
    // The code carries what the owner granted: the journey's grant is this authorization's alone.
    authorizationDetailsForGrantSource: (ctx) => ctx.oidc.grant?.rar,
    // An access token carries the details of the code or refresh token it is redeemed from.
    authorizationDetailsForAccessToken: (_ctx, _token, source) => source?.rar,
  };
}

const detailsRequested = (ctx: KoaContextWithOIDC) => ctx.oidc.params?.authorization_details !== undefined;
const authorizationRoutes = new Set(['authorization', 'pushed_authorization_request']);

/**
 * The one resource (RFC 8707) Keyturn issues tokens for, and only for tokens granted as authorization
 * details: defaulted for such requests, refused with `invalid_target` for any other, as before. Its tokens
 * stay opaque (introspection reads them) and carry no resource scope.
 */
export function resourceIndicators(
  issuer: string,
): NonNullable<NonNullable<Configuration['features']>['resourceIndicators']> {
  return {
    enabled: true,
    defaultResource: async (ctx, _client, oneOf) => oneOf ?? (detailsRequested(ctx) ? issuer : undefined),
    useGrantedResource: async () => true,
    getResourceServerInfo: async (ctx, identifier) => {
      if (identifier !== issuer || (authorizationRoutes.has(ctx.oidc.route) && !detailsRequested(ctx)))
        throw new errors.InvalidTarget();
      return { scope: '', audience: issuer, accessTokenFormat: 'opaque' };
    },
  };
}
