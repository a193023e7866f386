// Opens the one database Keyturn keeps its state in: a SQLite file by default, PostgreSQL when
// DATABASE_URL is set (see ./database.ts for the interface both implement).
import type { Database, DatabaseOptions } from './database.ts';
import { openPostgres } from './postgres.ts';
import { openSqlite } from './sqlite/index.ts';

export type {
  CachedRows,
  Database,
  DatabaseOptions,
  Engine,
  RowLock,
  Statement,
  Transactions,
  Value,
} from './database.ts';

export function openDatabase(options: DatabaseOptions): Database {
  return options.databaseUrl
    ? openPostgres({ ...options, databaseUrl: options.databaseUrl })
    : openSqlite(options);
}
