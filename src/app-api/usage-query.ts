// The usage statement's query string: `month`, a calendar month `YYYY-MM` (UTC), required and given once.
import { isBillingMonth } from '../usage/statement.ts';
import { type Query, queryParameters } from '../web/query-parameters.ts';

export function parseUsageQuery(query: Query): { month: string } {
  const { single, problem, refuseProblems } = queryParameters(query, 'app_api');
  const month = single('month');
  if (isBillingMonth(month)) return { month };
  if (!Array.isArray(query.month)) problem('month', 'invalid_month');
  refuseProblems();
  return { month: '' };
}
