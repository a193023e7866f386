// Maps Keyturn's apps and data consumers to OAuth client metadata (RFC 7591 names) for oidc-provider.
// Apps: authorization code + refresh token, exact redirect URIs, their data points as allowed scopes; and
// client credentials (RFC 6749 §4.4) for the scope of the app management API only. An app of the FAPI 2.0
// Security Profile authenticates with `private_key_jwt` (its registered public keys, no secret), must push its
// authorization requests (RFC 9126), gets only DPoP-bound tokens (RFC 9449) and PS256-signed ID tokens.
// Consumers: no grants at all; they only authenticate to introspect.
// Fleets: client credentials only (RFC 6749 §4.4), for the scope of the fleet API; after a rotation of
// their secret, the previous one is accepted beside it until its overlap ends.
import { ttlCache } from '../db/ttl-cache.ts';
import { vehicleDataType } from '../domain/vehicle-data-details.ts';
import { constantTimeEqual, hashSecret } from '../security/secrets.ts';
import type { App, AppsRepository } from '../storage/apps.ts';
import type { Consumer, ConsumersRepository } from '../storage/consumers.ts';
import type { Fleet, FleetsRepository } from '../storage/fleets.ts';
import type { ClientLoader } from './adapter.ts';
import { fapiIdTokenSigningAlgorithm } from './security-profile.ts';

export type ClientRole = 'app' | 'consumer' | 'fleet';

/** The one scope a fleet's client credentials grant: its own vehicles' clearances. */
export const fleetClearanceScope = 'fleet:clearance';

/** The one scope an app's client credentials grant: its owners' clearances and the eligibility check. */
export const appManagementScope = 'management';

/** The scope each kind of client may get with its client credentials (no other kind may use them). */
export const clientCredentialsScopes: Partial<Record<ClientRole, string>> = {
  fleet: fleetClearanceScope,
  app: appManagementScope,
};

export const clientMetadataProperties = [
  'keyturn_role',
  'keyturn_brands',
  // A fleet's previous client secret (its hash, as `client_secret` holds) and when it stops (epoch ms).
  'keyturn_previous_client_secret_hash',
  'keyturn_previous_client_secret_expires_at',
  // `fapi2` for an app of the FAPI 2.0 Security Profile (./security-profile.ts).
  'keyturn_security_profile',
] as const;

function appAuthenticationMetadata(app: App): Record<string, unknown> {
  if (app.securityProfile !== 'fapi2' || !app.jwks)
    return { client_secret: app.clientSecretHash, token_endpoint_auth_method: 'client_secret_basic' };
  return {
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: app.jwks,
    require_pushed_authorization_requests: true,
    dpop_bound_access_tokens: true,
    id_token_signed_response_alg: fapiIdTokenSigningAlgorithm,
    keyturn_security_profile: 'fapi2',
  };
}

export function appClientMetadata(app: App): Record<string, unknown> {
  return {
    client_id: app.clientId,
    client_name: app.name,
    ...(app.logoUri ? { logo_uri: app.logoUri } : {}),
    redirect_uris: app.redirectUris,
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types: ['code'],
    scope: ['openid', ...app.scopes, appManagementScope].join(' '),
    // RFC 9396 §10.2: the one type of authorization details an app may ask for.
    authorization_details_types: [vehicleDataType],
    keyturn_role: 'app',
    keyturn_brands: app.brands,
    ...appAuthenticationMetadata(app),
  };
}

export function consumerClientMetadata(consumer: Consumer): Record<string, unknown> {
  return {
    client_id: consumer.clientId,
    client_secret: consumer.clientSecretHash,
    client_name: consumer.name,
    redirect_uris: [],
    grant_types: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_basic',
    keyturn_role: 'consumer',
    keyturn_brands: [],
  };
}

export function fleetClientMetadata(fleet: Fleet): Record<string, unknown> {
  return {
    client_id: fleet.clientId,
    client_secret: fleet.clientSecretHash,
    client_name: fleet.name,
    redirect_uris: [],
    grant_types: ['client_credentials'],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: fleetClearanceScope,
    keyturn_role: 'fleet',
    keyturn_brands: [],
    ...(fleet.previousClientSecret
      ? {
          keyturn_previous_client_secret_hash: fleet.previousClientSecret.hash,
          keyturn_previous_client_secret_expires_at: fleet.previousClientSecret.expiresAt,
        }
      : {}),
  };
}

/** Reads a Keyturn property back from an oidc-provider Client instance. */
export function clientProperty<K extends (typeof clientMetadataProperties)[number]>(
  client: { metadata(): Record<string, unknown> } | undefined,
  key: K,
): unknown {
  return client?.metadata()[key];
}

/**
 * Whether `presented` is the client's secret (`client_secret`, a hash), or its previous one while that is
 * still in force at `now`. Hashes are compared in constant time, both of them whichever matches.
 */
export function clientSecretMatches(
  client: { clientSecret: string; metadata(): Record<string, unknown> },
  presented: string,
  now = Date.now(),
): boolean {
  const hash = hashSecret(presented);
  const current = constantTimeEqual(hash, client.clientSecret);
  const previousHash = clientProperty(client, 'keyturn_previous_client_secret_hash');
  const previousExpiresAt = clientProperty(client, 'keyturn_previous_client_secret_expires_at');
  const previous =
    typeof previousHash === 'string' &&
    constantTimeEqual(hash, previousHash) &&
    typeof previousExpiresAt === 'number' &&
    previousExpiresAt > now;
  return current || previous;
}

/**
 * The client metadata of a client id, app, consumer or fleet: read on every token and introspection request, so
 * kept (only when found) for ten seconds, as the records themselves are (a registration made by the CLI,
 * another process, is seen within that time).
 */
export function clientLoader(
  apps: AppsRepository,
  consumers: ConsumersRepository,
  fleets: FleetsRepository,
): ClientLoader {
  const clients = ttlCache<Record<string, unknown>>();
  // A fleet changed in this process (its client secret rotated) is read anew at once.
  fleets.onChange((fleet) => clients.forget(fleet.clientId));
  return (clientId) =>
    clients.get(clientId, async () => {
      const app = await apps.find(clientId);
      if (app) return appClientMetadata(app);
      const consumer = await consumers.find(clientId);
      if (consumer) return consumerClientMetadata(consumer);
      const fleet = await fleets.findByClientId(clientId);
      return fleet ? fleetClientMetadata(fleet) : undefined;
    });
}
