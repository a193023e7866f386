// Documents fleets upload (a registration certificate's image or PDF), kept in the database with the rest
// of the fleet's data (backed up and replicated with it) and only ever read back for the fleet that
// uploaded them.
import type { Database } from '../db/index.ts';

export interface FleetDocument {
  id: string;
  fleetId: string;
  contentType: string;
  size: number;
  sha256: string;
  createdAt: number;
}

interface DocumentRow {
  id: string;
  fleet_id: string;
  content_type: string;
  size: number | string;
  sha256: string;
  created_at: number | string;
}

const toDocument = (row: DocumentRow): FleetDocument => ({
  id: row.id,
  fleetId: row.fleet_id,
  contentType: row.content_type,
  size: Number(row.size),
  sha256: row.sha256,
  createdAt: Number(row.created_at),
});

export function fleetDocumentsRepository(database: Database) {
  const table = () => database.query()('fleet_documents');
  return {
    async insert(document: FleetDocument, content: Buffer): Promise<void> {
      await table().insert({
        id: document.id,
        fleet_id: document.fleetId,
        content_type: document.contentType,
        size: document.size,
        sha256: document.sha256,
        content,
        created_at: document.createdAt,
      });
    },
    /** The fleet's document; undefined for an unknown id or another fleet's document. */
    async find(fleetId: string, id: string): Promise<FleetDocument | undefined> {
      const row = await table()
        .where({ id, fleet_id: fleetId })
        .first('id', 'fleet_id', 'content_type', 'size', 'sha256', 'created_at');
      return row ? toDocument(row as DocumentRow) : undefined;
    },
    /** Which of these ids are documents of the fleet. */
    async owned(fleetId: string, ids: string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = await table().where({ fleet_id: fleetId }).whereIn('id', ids).select('id');
      return new Set(rows.map((row: { id: string }) => row.id));
    },
    async content(fleetId: string, id: string): Promise<Buffer | undefined> {
      const row = await table().where({ id, fleet_id: fleetId }).first('content');
      return row ? Buffer.from((row as { content: Uint8Array }).content) : undefined;
    },
  };
}

export type FleetDocumentsRepository = ReturnType<typeof fleetDocumentsRepository>;
