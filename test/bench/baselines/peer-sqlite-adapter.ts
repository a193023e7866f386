// The peer's durable store: the plain SQLite adapter an oidc-provider user would write in an afternoon
// (one table of JSON payloads, prepared statements, WAL with synchronous=NORMAL as Keyturn uses, indexes for
// the lookups the library makes by grant and by uid, no transactions of its own). With it, the peer's
// exchange and journey show what durable writes alone cost the library on this machine.
import Database from 'better-sqlite3';

interface StoredRow {
  payload: string;
  consumed_at: number | null;
}

export function peerSqliteAdapter(file: string) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`create table if not exists oidc (
      model text not null, id text not null, payload text not null, grant_id text, uid text,
      expires_at integer, consumed_at integer, primary key (model, id)) without rowid;
    create index if not exists oidc_grant_id on oidc (grant_id) where grant_id is not null;
    create index if not exists oidc_uid on oidc (uid) where uid is not null;`);
  const upsert =
    db.prepare(`insert into oidc (model, id, payload, grant_id, uid, expires_at) values (?, ?, ?, ?, ?, ?)
    on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id,
      uid = excluded.uid, expires_at = excluded.expires_at`);
  const byId = db.prepare('select payload, consumed_at from oidc where model = ? and id = ?');
  const byUid = db.prepare('select payload, consumed_at from oidc where model = ? and uid = ?');
  const consume = db.prepare('update oidc set consumed_at = ? where model = ? and id = ?');
  const destroy = db.prepare('delete from oidc where model = ? and id = ?');
  const revoke = db.prepare('delete from oidc where grant_id = ?');
  const loaded = (row: StoredRow | undefined) =>
    row
      ? {
          ...JSON.parse(row.payload),
          ...(row.consumed_at === null ? {} : { consumed: row.consumed_at }),
        }
      : undefined;

  return (model: string) => ({
    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number) {
      const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : null;
      upsert.run(model, id, JSON.stringify(payload), payload.grantId ?? null, payload.uid ?? null, expiresAt);
    },
    async find(id: string) {
      return loaded(byId.get(model, id) as StoredRow | undefined);
    },
    async findByUid(uid: string) {
      return loaded(byUid.get(model, uid) as StoredRow | undefined);
    },
    async findByUserCode() {
      return undefined;
    },
    async consume(id: string) {
      consume.run(Math.floor(Date.now() / 1000), model, id);
    },
    async destroy(id: string) {
      destroy.run(model, id);
    },
    async revokeByGrantId(grantId: string) {
      revoke.run(grantId);
    },
  });
}
