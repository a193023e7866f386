// `GET /v1/authorization`: the status of the authorization behind an owner's access token, even while it
// waits for the maker (a data consumer asks by introspection instead).
import { callApi } from './api-call.ts';
import type { AuthorizationStatus } from './types.ts';

export function readAuthorizationStatus(issuer: string, accessToken: string): Promise<AuthorizationStatus> {
  return callApi<AuthorizationStatus>(issuer, accessToken, { method: 'GET', path: '/v1/authorization' });
}
