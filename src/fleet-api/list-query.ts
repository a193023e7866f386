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
  const { single, limit: pageSize, problem, refuseProblems } = queryParameters(query, 'fleets');
  const filter: VehicleFilter = { limit: defaultPageSize };
  const category = single('category');
  if (category !== undefined) {
    if (isStatusCategory(category)) filter.category = category;
    else problem('category', 'unknown_category');
  }
  const status = single('status');
  if (status !== undefined) {
    if (isClearanceStatus(status)) filter.status = status;
    else problem('status', 'unknown_status');
  }
  const provider = single('provider');
  if (provider !== undefined) {
    if (findFleetProvider(provider)) filter.provider = provider;
    else problem('provider', 'unknown_provider');
  }
  const q = single('q');
  if (q !== undefined) {
    if (q.trim().length > 0 && q.length <= 64) filter.q = q;
    else problem('q', 'invalid_search');
  }
  const limit = pageSize('limit', maxPageSize);
  if (limit !== undefined) filter.limit = limit;
  const cursor = single('cursor');
  if (cursor !== undefined) {
    const after = decodeCursor(cursor);
    if (after) filter.after = after;
    else problem('cursor', 'invalid_cursor');
  }
  refuseProblems();
  return filter;
}
