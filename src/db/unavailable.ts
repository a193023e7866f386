// Errors that mean the database cannot be reached right now (a restart, a failover, a network fault, a
// pool with no connection to give, SQLite's file locked for too long), as opposed to a wrong query: the
// request that met one is answered 503 with Retry-After, and a later one may well succeed.

/**
 * PostgreSQL SQLSTATEs: class 08 (connection exception), 57P01–03 (shutdown, restart, cannot connect now),
 * 3D000 (the database is not there) and 53300 (too many connections).
 */
const postgresCodes = /^(08|57P0[1-3]$|3D000$|53300$)/;
const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);
const sqliteCodes = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_LOCKED']);
const messages = [
  'Connection terminated',
  'Client has encountered a connection error',
  'Knex: Timeout acquiring a connection',
];

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const { code, message, name } = current as { code?: unknown; message?: unknown; name?: unknown };
    if (
      typeof code === 'string' &&
      (postgresCodes.test(code) || socketCodes.has(code) || sqliteCodes.has(code))
    )
      return true;
    if (name === 'KnexTimeoutError') return true;
    if (typeof message === 'string' && messages.some((text) => message.includes(text))) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
