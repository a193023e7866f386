// `createFleetClient`: the fleet API, `/v1/fleet/*`, with the fleet's client credentials token for the
// scope `fleet:clearance`: registering vehicles in batches, listing them with their counts per status
// category, one with its changelog, changing, validating and removing one.
import { callApi } from './api-call.ts';
import { clientCredentialsTokens } from './client-credentials.ts';
import { type ClientCredentials, lazyConfiguration } from './discovery.ts';
import type {
  FleetVehicle,
  FleetVehicleFilter,
  FleetVehiclePage,
  FleetVehicleWithChangelog,
  RegistrationResults,
  StatusChange,
  VehicleChanges,
  VehicleCounts,
  VehicleRegistration,
} from './types.ts';

export const fleetScope = 'fleet:clearance';

export interface FleetClientOptions extends ClientCredentials {
  /** `Accept-Language` for Keyturn's messages (a rejected item's problems). */
  locale?: string;
}

export interface FleetClient {
  /** Registers up to 1,000 vehicles; each item answers on its own (registered, or its problems). */
  registerVehicles(vehicles: VehicleRegistration[]): Promise<RegistrationResults>;
  /** A page of the fleet's vehicles; pass `next_cursor` as `cursor` for the next. */
  listVehicles(filter?: FleetVehicleFilter): Promise<FleetVehiclePage>;
  getVehicle(id: string): Promise<FleetVehicleWithChangelog>;
  updateVehicle(id: string, changes: VehicleChanges): Promise<FleetVehicle>;
  /** Asks the provider again (202: the answer arrives as a `fleet_clearance_changed` webhook). */
  validateVehicle(id: string): Promise<StatusChange>;
  /** Removes the vehicle (202: the provider is told in the background). */
  deleteVehicle(id: string): Promise<StatusChange>;
  /** The fleet's vehicles per status category. */
  counts(): Promise<VehicleCounts>;
}

export function createFleetClient(options: FleetClientOptions): FleetClient {
  const issuer = options.issuer.replace(/\/+$/, '');
  const tokens = clientCredentialsTokens(lazyConfiguration(options), fleetScope);
  const locale = options.locale;
  const vehiclePath = (id: string) => `/v1/fleet/vehicles/${encodeURIComponent(id)}`;
  const list = (filter: FleetVehicleFilter = {}) =>
    tokens.withToken((token) =>
      callApi<FleetVehiclePage>(issuer, token, {
        method: 'GET',
        path: '/v1/fleet/vehicles',
        query: { ...filter },
        locale,
      }),
    );
  return {
    registerVehicles: (vehicles) =>
      tokens.withToken((token) =>
        callApi(issuer, token, { method: 'POST', path: '/v1/fleet/vehicles', body: { vehicles }, locale }),
      ),
    listVehicles: list,
    getVehicle: (id) =>
      tokens.withToken((token) => callApi(issuer, token, { method: 'GET', path: vehiclePath(id), locale })),
    updateVehicle: (id, changes) =>
      tokens.withToken((token) =>
        callApi(issuer, token, { method: 'PATCH', path: vehiclePath(id), body: changes, locale }),
      ),
    validateVehicle: (id) =>
      tokens.withToken((token) =>
        callApi(issuer, token, { method: 'POST', path: `${vehiclePath(id)}/validate`, locale }),
      ),
    deleteVehicle: (id) =>
      tokens.withToken((token) =>
        callApi(issuer, token, { method: 'DELETE', path: vehiclePath(id), locale }),
      ),
    counts: async () => (await list({ limit: 1 })).counts,
  };
}
