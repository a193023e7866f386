// The app management API (`/v1/clearances`, `/v1/eligibility`, `/v1/usage`) with the app's own client
// credentials token for the scope `management`.
import { callApi } from './api-call.ts';
import type { TokenSource } from './client-credentials.ts';
import type {
  AppClearance,
  AppClearancePage,
  AppClearanceWithChangelog,
  ClearanceListFilter,
  Eligibility,
  EligibilityRequest,
  UsageStatement,
} from './types.ts';

export const managementScope = 'management';

export interface ManagementApi {
  /** A page of the app's owners' clearances, newest first; pass `next_cursor` as `cursor` for the next. */
  listClearances(filter?: ClearanceListFilter): Promise<AppClearancePage>;
  getClearance(id: string): Promise<AppClearanceWithChangelog>;
  /** Disconnects the owner's vehicle from the app (202: the maker is told in the background). */
  disconnectClearance(id: string): Promise<AppClearance>;
  checkEligibility(request: EligibilityRequest): Promise<Eligibility>;
  /** The usage statement of a calendar month, `YYYY-MM` (UTC). */
  usage(month: string): Promise<UsageStatement>;
}

export function managementApi(issuer: string, tokens: TokenSource, locale?: string): ManagementApi {
  const clearancePath = (id: string) => `/v1/clearances/${encodeURIComponent(id)}`;
  return {
    listClearances: (filter = {}) =>
      tokens.withToken((token) =>
        callApi(issuer, token, { method: 'GET', path: '/v1/clearances', query: { ...filter }, locale }),
      ),
    getClearance: (id) =>
      tokens.withToken((token) => callApi(issuer, token, { method: 'GET', path: clearancePath(id), locale })),
    disconnectClearance: (id) =>
      tokens.withToken((token) =>
        callApi(issuer, token, { method: 'DELETE', path: clearancePath(id), locale }),
      ),
    checkEligibility: (request) =>
      tokens.withToken((token) =>
        callApi(issuer, token, { method: 'POST', path: '/v1/eligibility', body: request, locale }),
      ),
    usage: (month) =>
      tokens.withToken((token) =>
        callApi(issuer, token, { method: 'GET', path: '/v1/usage', query: { month }, locale }),
      ),
  };
}
