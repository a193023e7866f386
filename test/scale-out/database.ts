// The run's own PostgreSQL database, created fresh on the server and dropped (with its connections) at the end.
import { adminConnection } from '../soak/database.ts';

export interface RunDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createRunDatabase(serverUrl: string): Promise<RunDatabase> {
  const name = `keyturn_scale_out_${Date.now()}_${process.pid}`;
  const admin = adminConnection(serverUrl);
  try {
    await admin.raw(`create database ${name}`);
  } finally {
    await admin.destroy();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.href,
    async drop() {
      const cleanup = adminConnection(serverUrl);
      try {
        await cleanup.raw(`drop database if exists ${name} with (force)`);
      } finally {
        await cleanup.destroy();
      }
    },
  };
}
