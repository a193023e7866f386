// Deletes a table's rows older than a moment, a batch per statement: a first sweep over a long history
// never holds SQLite's writer (or a PostgreSQL table's locks) for long, and other writes go between batches.
import type { Knex } from 'knex';

const batchSize = 1_000;

/**
 * Deletes the rows of `table` whose `column` is below `before`, keyed by `id`, except those `keep` selects;
 * returns how many.
 */
export async function deleteOlderThan(
  knex: Knex,
  table: string,
  column: string,
  before: number,
  keep?: (rows: Knex.QueryBuilder) => void,
): Promise<number> {
  let deleted = 0;
  for (;;) {
    const batch = knex(table).select('id').where(column, '<', before).limit(batchSize);
    if (keep) batch.whereNot(keep);
    const count = await knex(table).whereIn('id', batch).delete();
    deleted += count;
    if (count < batchSize) return deleted;
  }
}
