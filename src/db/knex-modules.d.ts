// The knex modules ./knex-internals.ts imports by path: knex publishes no types for them.
declare module 'knex/lib/knex-builder/make-knex.js' {
  const makeKnex: unknown;
  export default makeKnex;
}

declare module 'knex/lib/dialects/better-sqlite3/index.js' {
  const BetterSqlite3Client: unknown;
  export default BetterSqlite3Client;
}
