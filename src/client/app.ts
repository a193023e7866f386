// `createKeyturnApp`: everything an app does with Keyturn, from the owner's consent to its management API.
import {
  type AuthorizationRequest,
  type AuthorizationUrlOptions,
  buildAuthorizationRequest,
  exchangeCode,
  type PendingAuthorization,
  refreshTokens,
} from './authorization.ts';
import { clientCredentialsTokens } from './client-credentials.ts';
import { type ClientCredentials, lazyConfiguration } from './discovery.ts';
import { type ManagementApi, managementApi, managementScope } from './management.ts';
import { readAuthorizationStatus } from './status.ts';
import type { AuthorizationStatus, Tokens } from './types.ts';

export interface KeyturnAppOptions extends ClientCredentials {
  /** The redirect URI registered for the app; Keyturn sends the owner back here. */
  redirectUri: string;
  /** `Accept-Language` for the management API's messages. */
  locale?: string;
}

export interface KeyturnApp {
  authorizationUrl(options: AuthorizationUrlOptions): Promise<AuthorizationRequest>;
  completeAuthorization(callbackUrl: string | URL, pending: PendingAuthorization): Promise<Tokens>;
  authorizationStatus(accessToken: string): Promise<AuthorizationStatus>;
  refresh(refreshToken: string): Promise<Tokens>;
  management: ManagementApi;
}

export function createKeyturnApp(options: KeyturnAppOptions): KeyturnApp {
  const configuration = lazyConfiguration(options);
  const issuer = options.issuer.replace(/\/+$/, '');
  return {
    authorizationUrl: async (request) =>
      buildAuthorizationRequest(await configuration(), options.redirectUri, request),
    completeAuthorization: async (callbackUrl, pending) =>
      exchangeCode(await configuration(), options.redirectUri, callbackUrl, pending),
    authorizationStatus: (accessToken) => readAuthorizationStatus(issuer, accessToken),
    refresh: async (refreshToken) => refreshTokens(await configuration(), refreshToken),
    management: managementApi(
      issuer,
      clientCredentialsTokens(configuration, managementScope),
      options.locale,
    ),
  };
}
