// Prepared-statement reads for the hot paths (introspection, client authentication), outside knex's
// query builder (DESIGN.md: the builder costs 3–10× a prepared statement). SQLite: a second, read-only
// connection (WAL lets it read while the writer writes). PostgreSQL: named prepared statements on a pool.
// Only committed data is read; inside a transaction callers use knex instead.
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { artifactKey } from './artifact-keys.ts';
import { whenUnlocked } from './sqlite-client.ts';

export interface PayloadRow {
  payload: string;
  expires_at: number | null;
  consumed_at: number | null;
}

/** A token row joined with its clearance, which also carries the grant's expiry (introspection). */
export interface IntrospectionRow {
  payload: string;
  expires_at: number | null;
  consumed_at: number | null;
  grant_expires_at: number | null;
  status: string;
  vin: string;
  brand: string;
  client_id: string;
  account_id: string;
}

export interface HotReads {
  /** The token presented (its value, hashed here into the key it is stored under) with its clearance. */
  introspection(model: string, token: string): Promise<IntrospectionRow | undefined>;
  /** One artifact by the key it is stored under (see artifact-keys.ts). */
  payload(model: string, key: string): Promise<PayloadRow | undefined>;
  /** Any single row by primary key from a small allow-listed set of queries. */
  row<T>(query: HotQuery, value: string): Promise<T | undefined>;
  close(): Promise<void>;
}

const queries = {
  payload: 'select payload, expires_at, consumed_at from oidc_payloads where model = ? and id = ?',
  introspection: `select t.payload, t.expires_at, t.consumed_at, c.grant_expires_at,
      c.status, c.vin, c.brand, c.client_id, c.account_id
    from oidc_payloads t
    join clearances c on c.grant_id = t.grant_id
    where t.model = ? and t.id = ?`,
  clearanceByGrant: 'select * from clearances where grant_id = ?',
  app: 'select * from apps where client_id = ?',
  consumer: 'select * from consumers where client_id = ?',
  account: 'select * from accounts where id = ?',
} as const;

export type HotQuery = Exclude<keyof typeof queries, 'payload' | 'introspection'>;

function numbered(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}

export function sqliteHotReads(file: string, lockTimeoutMs?: number): HotReads {
  const connection = new Sqlite(file, { readonly: true, fileMustExist: true });
  // Never wait on the event loop for another connection's lock (see sqlite-client.ts whenUnlocked).
  connection.pragma('busy_timeout = 0');
  const statements = Object.fromEntries(
    Object.entries(queries).map(([name, sql]) => [name, connection.prepare(sql)]),
  ) as Record<keyof typeof queries, Sqlite.Statement>;
  return {
    payload(model, key) {
      return whenUnlocked(() => statements.payload.get(model, key) as PayloadRow | undefined, lockTimeoutMs);
    },
    introspection(model, token) {
      const key = artifactKey(model, token);
      return whenUnlocked(
        () => statements.introspection.get(model, key) as IntrospectionRow | undefined,
        lockTimeoutMs,
      );
    },
    row<T>(query: HotQuery, value: string) {
      return whenUnlocked(() => statements[query].get(value) as T | undefined, lockTimeoutMs);
    },
    async close() {
      connection.close();
    },
  };
}

export function postgresHotReads(url: string, onIdleError: (error: Error) => void = () => {}): HotReads {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection the server ended (a restart, a failover) emits 'error'; the pool drops it and the
  // next query connects anew. Unheard, the event would end the process.
  pool.on('error', onIdleError);
  const run = async <T>(name: keyof typeof queries, values: string[]) =>
    (await pool.query({ name: `keyturn_${name}`, text: numbered(queries[name]), values })).rows[0] as
      | T
      | undefined;
  return {
    payload: (model, key) => run<PayloadRow>('payload', [model, key]),
    introspection: (model, token) =>
      run<IntrospectionRow>('introspection', [model, artifactKey(model, token)]),
    row: (query, value) => run(query, [value]),
    async close() {
      await pool.end();
    },
  };
}
