// The listing's query string: `category`, `status`, `provider`, `q`, `limit` (1–500, default 100) and
// `cursor` (opaque: the last vehicle of the previous page). Every problem is reported at once.
import { isClearanceStatus } from '../domain/clearance/status.ts';
import { isStatusCategory } from '../domain/fleet/categories.ts';
import { findFleetProvider } from '../domain/fleet/providers.ts';
import { InvalidInput, type Problem } from '../errors.ts';
import type { VehicleFilter } from '../storage/fleet-vehicles.ts';

export const defaultPageSize = 100;
export const maxPageSize = 500;

export const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');

function decodeCursor(cursor: string): string | undefined {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  return /^veh_[0-9a-f]{28}$/.test(id) ? id : undefined;
}

const problem = (parameter: string, code: string, messageValues?: Record<string, unknown>): Problem => ({
  pointer: `/${parameter}`,
  code,
  messageKey: `fleets:problems.${code}`,
  ...(messageValues ? { messageValues } : {}),
});

export function parseListQuery(query: Record<string, string | string[] | undefined>): VehicleFilter {
  const problems: Problem[] = [];
  const single = (name: string): string | undefined => {
    const value = query[name];
    if (Array.isArray(value)) {
      problems.push(problem(name, 'repeated_parameter', { parameter: name }));
      return undefined;
    }
    return value === '' ? undefined : value;
  };
  const filter: VehicleFilter = { limit: defaultPageSize };
  const category = single('category');
  if (category !== undefined) {
    if (isStatusCategory(category)) filter.category = category;
    else problems.push(problem('category', 'unknown_category'));
  }
  const status = single('status');
  if (status !== undefined) {
    if (isClearanceStatus(status)) filter.status = status;
    else problems.push(problem('status', 'unknown_status'));
  }
  const provider = single('provider');
  if (provider !== undefined) {
    if (findFleetProvider(provider)) filter.provider = provider;
    else problems.push(problem('provider', 'unknown_provider'));
  }
  const q = single('q');
  if (q !== undefined) {
    if (q.trim().length > 0 && q.length <= 64) filter.q = q;
    else problems.push(problem('q', 'invalid_search'));
  }
  const limit = single('limit');
  if (limit !== undefined) {
    const value = Number(limit);
    if (/^\d+$/.test(limit) && value >= 1 && value <= maxPageSize) filter.limit = value;
    else problems.push(problem('limit', 'invalid_limit', { max: maxPageSize }));
  }
  const cursor = single('cursor');
  if (cursor !== undefined) {
    const after = decodeCursor(cursor);
    if (after) filter.after = after;
    else problems.push(problem('cursor', 'invalid_cursor'));
  }
  if (problems.length > 0) throw new InvalidInput({ messageKey: 'fleets:errors.invalid_request', problems });
  return filter;
}
