// The listing's query string: `category`, `status`, `provider`, `q`, `limit` (1–500, default 100) and
// `cursor` (opaque: the last vehicle of the previous page). Every problem is reported at once.
import { isClearanceStatus } from '../domain/clearance/status.ts';
import { isStatusCategory } from '../domain/fleet/categories.ts';
import { findFleetProvider } from '../domain/fleet/providers.ts';
import type { VehicleFilter } from '../storage/fleet-vehicles.ts';
import { type Query, queryParameters } from '../web/query-parameters.ts';

export const defaultPageSize = 100;
export const maxPageSize = 500;

export const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');

function decodeCursor(cursor: string): string | undefined {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  return /^veh_[0-9a-f]{28}$/.test(id) ? id : undefined;
}

export function parseListQuery(query: Query): VehicleFilter {
  const { valid, limit, refuseProblems } = queryParameters(query, 'fleets');
  const filter: VehicleFilter = {
    category: valid('category', (raw) => (isStatusCategory(raw) ? raw : undefined), 'unknown_category'),
    status: valid('status', (raw) => (isClearanceStatus(raw) ? raw : undefined), 'unknown_status'),
    provider: valid('provider', (raw) => (findFleetProvider(raw) ? raw : undefined), 'unknown_provider'),
    q: valid('q', (raw) => (raw.trim().length > 0 && raw.length <= 64 ? raw : undefined), 'invalid_search'),
    limit: limit('limit', maxPageSize) ?? defaultPageSize,
    after: valid('cursor', decodeCursor, 'invalid_cursor'),
  };
  refuseProblems();
  return filter;
}
