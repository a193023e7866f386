// The soak's PostgreSQL database: created fresh for each run, migrated, the app and the data consumer
// registered with the same functions `keyturn apps add` and `keyturn consumers add` use; dropped at the end.
import knex, { type Knex } from 'knex';
import { registerApp, registerConsumer } from '../../src/apps/register.ts';
import { openDatabase } from '../../src/db/index.ts';
import { appsRepository } from '../../src/storage/apps.ts';
import { consumersRepository } from '../../src/storage/consumers.ts';
import { benchRedirectUri, type ClientCredentials } from '../bench/flows.ts';

export interface SoakDatabase {
  name: string;
  url: string;
}

export interface Parties {
  app: ClientCredentials & { webhookSecret: string };
  consumer: ClientCredentials;
}

/** An admin connection to the server's maintenance database (never the soak database itself). */
export const adminConnection = (serverUrl: string): Knex =>
  knex({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });

export async function createSoakDatabase(serverUrl: string): Promise<SoakDatabase> {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const name = `keyturn_soak_${stamp}_${process.pid}`;
  const admin = adminConnection(serverUrl);
  try {
    await admin.raw(`create database ${name}`);
  } finally {
    await admin.destroy();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { name, url: url.href };
}

export async function dropSoakDatabase(serverUrl: string, database: SoakDatabase): Promise<void> {
  const admin = adminConnection(serverUrl);
  try {
    await admin.raw(`drop database if exists ${database.name} with (force)`);
  } finally {
    await admin.destroy();
  }
}

export async function registerParties(database: SoakDatabase, webhookUrl: string): Promise<Parties> {
  const db = openDatabase({ databaseUrl: database.url, sqliteFile: '' });
  try {
    await db.migrate();
    const app = await registerApp(
      appsRepository(db),
      {
        name: 'Soak app',
        redirectUris: [benchRedirectUri],
        brands: ['bmw'],
        scopes: ['location', 'mileage'],
        webhookUrl,
      },
      // The receiver listens on loopback, as every process of the soak does.
      { allowPrivateTargets: true, requireHttps: false },
    );
    const consumer = await registerConsumer(consumersRepository(db), 'Soak consumer');
    return {
      app: { clientId: app.client_id, clientSecret: app.client_secret, webhookSecret: app.webhook_secret },
      consumer: { clientId: consumer.client_id, clientSecret: consumer.client_secret },
    };
  } finally {
    await db.close();
  }
}
