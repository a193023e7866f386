// The bearer credentials oidc-provider issues (authorization codes, access and refresh tokens, and the
// other token kinds) are stored under the SHA-256 of their value, and their payload is stored without the
// value (`jti`): a copy of the database lets no one present a token. Each value carries at least 256 bits
// of randomness, so one SHA-256 is enough, as for client secrets. A lookup hashes the presented value and
// puts it back as `jti`, which is all oidc-provider reads it from.
//
// Sessions, interactions and grants keep their ids as keys. A grant id authenticates nothing; sessions are
// also looked up by `uid`, and oidc-provider then needs the stored `jti`; interaction ids travel in URLs.
import { hash } from 'node:crypto';

const bearerCredentials = new Set([
  'AuthorizationCode',
  'AccessToken',
  'RefreshToken',
  'ClientCredentials',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'RegistrationAccessToken',
  'InitialAccessToken',
]);

/** The primary key a model's artifact is stored under. */
export function artifactKey(model: string, id: string): string {
  return bearerCredentials.has(model) ? hash('sha256', id, 'base64url') : id;
}

/** The payload as stored: without the credential's value for hashed models. */
export function storedPayload(model: string, payload: Record<string, unknown>): Record<string, unknown> {
  if (!bearerCredentials.has(model)) return payload;
  const { jti: _value, ...rest } = payload;
  return rest;
}

/** A payload as oidc-provider expects it back: hashed models get the presented value as `jti` again. */
export function loadedPayload<T extends Record<string, unknown>>(model: string, id: string, payload: T): T {
  if (bearerCredentials.has(model)) Object.assign(payload, { jti: id });
  return payload;
}
