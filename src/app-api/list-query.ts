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
  const { valid, limit, refuseProblems } = queryParameters(query, 'app_api');
  const filter: AppClearanceFilter = {
    status: valid('status', (raw) => (isClearanceStatus(raw) ? raw : undefined), 'unknown_status'),
    vin: valid(
      'vin',
      (raw) => {
        const check = checkVinFormat(raw);
        return check.ok ? check.vin : undefined;
      },
      'invalid_vin',
    ),
    limit: limit('limit', maxPageSize) ?? defaultPageSize,
    after: valid('cursor', decodeCursor, 'invalid_cursor'),
  };
  refuseProblems();
  return filter;
}
