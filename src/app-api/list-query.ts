// The clearance listing's query string: `status` (a clearance status), `vin` (normalized, then matched
// exactly), `limit` (1–100, default 50) and `cursor` (opaque: the last clearance of the previous page).
// Every problem is reported at once.
import { isClearanceStatus } from '../domain/clearance/status.ts';
import { checkVinFormat } from '../domain/vehicles/vin.ts';
import type { AppClearanceFilter, ClearancePosition } from '../storage/clearances.ts';
import { type Query, queryParameters } from '../web/query-parameters.ts';

export const defaultPageSize = 50;
export const maxPageSize = 100;

export const encodeCursor = (position: ClearancePosition) =>
  Buffer.from(`${position.createdAt}:${position.id}`, 'utf8').toString('base64url');

function decodeCursor(cursor: string): ClearancePosition | undefined {
  const match = /^(\d{1,15}):([A-Za-z0-9_-]{1,64})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match?.[1] && match[2] ? { createdAt: Number(match[1]), id: match[2] } : undefined;
}

export function parseListQuery(query: Query): AppClearanceFilter {
  const { single, limit: pageSize, problem, refuseProblems } = queryParameters(query, 'app_api');
  const filter: AppClearanceFilter = { limit: defaultPageSize };
  const status = single('status');
  if (status !== undefined) {
    if (isClearanceStatus(status)) filter.status = status;
    else problem('status', 'unknown_status');
  }
  const vin = single('vin');
  if (vin !== undefined) {
    const check = checkVinFormat(vin);
    if (check.ok) filter.vin = check.vin;
    else problem('vin', 'invalid_vin');
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
