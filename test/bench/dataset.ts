// The seeded data set: deterministic ids and the exact row shapes oidc-provider 9 and Keyturn store.

import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { registerApp, registerConsumer } from '../../src/apps/register.ts';
import { openDatabase } from '../../src/db/index.ts';
import { appsRepository } from '../../src/storage/apps.ts';
import { artifactKey, storedPayload } from '../../src/storage/artifact-keys.ts';
import type { ClearanceRow } from '../../src/storage/clearances.ts';
import { consumersRepository } from '../../src/storage/consumers.ts';
import { benchRedirectUri, benchVin, type ClientCredentials, pkcePair } from './flows.ts';

export interface DatasetSpec {
  /** Grants whose clearance is `connected`, each with one access token. */
  connected: number;
  /** Grants whose clearance is `pending_validation` (callback targets), no token. */
  pendingValidation: number;
  /** Grants with one unredeemed authorization code (PKCE S256) each. */
  codes: number;
}

export interface DatasetMeta {
  spec: DatasetSpec;
  salt: string;
  app: ClientCredentials;
  consumer: ClientCredentials;
  verifier: string;
  challenge: string;
  seededAt: number;
  seedSeconds: number;
}

// The schema version is part of the key: a cached data set from before a migration is seeded again. So is
// the rows' format, raised when what the seeders write changes (2: PostgreSQL's clearances got the grant's
// expiry, which only SQLite's had), or when sets cached before may have been changed by a server (3:
// housekeeping could time out a cached set's pending clearances).
export const schemaVersion = readdirSync(new URL('../../migrations/', import.meta.url))
  .filter((name) => /^\d{14}_/.test(name))
  .sort()
  .at(-1)
  ?.slice(0, 14);
const rowsFormat = 3;
export const datasetKey = (s: DatasetSpec) =>
  `c${s.connected}_p${s.pendingValidation}_k${s.codes}_s${schemaVersion}_f${rowsFormat}`;
export const benchScope = 'location mileage';
const year = 365 * 86_400;

const kinds: Record<string, number> = { at: 1, code: 2, grant: 3, account: 4, clearance: 5 };
export const mix32 = (value: number) => {
  let h = value ^ (value >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
};
const idBytes = Buffer.alloc(32);
/** 32 pseudo-random bytes, unique per (salt, kind, i): the first word is a bijection of i (fast, not crypto). */
function fill(salt: string, kind: string, i: number): Buffer {
  let h = mix32((Number.parseInt(salt.slice(0, 8), 16) ^ Math.imul(kinds[kind] ?? 9, 0x9e3779b1) ^ i) >>> 0);
  for (let word = 0; word < 8; word++) {
    idBytes.writeUInt32LE(h, word * 4);
    h = mix32((h + Math.imul(word + 1, 0x9e3779b9)) >>> 0);
  }
  return idBytes;
}
/** A 43-character base64url id, the length oidc-provider uses for opaque tokens. */
export const opaqueId = (salt: string, kind: string, i: number) => fill(salt, kind, i).toString('base64url');
const uuidOf = (salt: string, kind: string, i: number) => {
  const h = fill(salt, kind, i).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

export const tokenOf = (meta: DatasetMeta, i: number) => opaqueId(meta.salt, 'at', i);

/** Up to `count` access tokens of the set's approved grants, drawn at random (repeats allowed). */
export function randomTokens(meta: DatasetMeta, count: number): string[] {
  const n = meta.spec.connected;
  return Array.from({ length: Math.min(count, n) }, () => tokenOf(meta, Math.floor(Math.random() * n)));
}
export const codeOf = (meta: DatasetMeta, j: number) =>
  opaqueId(meta.salt, 'code', meta.spec.connected + meta.spec.pendingValidation + j);
export const pendingClearanceOf = (meta: DatasetMeta, j: number) =>
  uuidOf(meta.salt, 'clearance', meta.spec.connected + j);

export interface PayloadRow {
  model: string;
  id: string;
  payload: string;
  grant_id: string | null;
  expires_at: number;
}

export interface GrantRows {
  account: {
    id: string;
    email: string;
    country: string;
    locale: string;
    created_at: number;
    updated_at: number;
  };
  payloads: PayloadRow[];
  clearance: Omit<ClearanceRow, 'oem_reference' | 'last_event_at'>;
}

/** A payload as the adapter stores it: codes and tokens under the hash of their value, without it. */
const storedJson = (model: string, payload: Record<string, unknown>) =>
  JSON.stringify(storedPayload(model, payload));

/** Everything stored for grant number `i`, exactly as the real flow stores it (see README of the bench). */
export function rowsFor(meta: DatasetMeta, i: number): GrantRows {
  const { spec, salt } = meta;
  const nowMs = meta.seededAt;
  const iat = Math.floor(nowMs / 1000);
  const exp = iat + 2 * year;
  const clientId = meta.app.clientId;
  const accountId = uuidOf(salt, 'account', i);
  const grantId = opaqueId(salt, 'grant', i);
  const payloads: PayloadRow[] = [
    {
      model: 'Grant',
      id: grantId,
      grant_id: null,
      expires_at: exp * 1000,
      payload: JSON.stringify({
        iat,
        exp,
        accountId,
        clientId,
        kind: 'Grant',
        jti: grantId,
        openid: { scope: benchScope },
      }),
    },
  ];
  let status = 'pending';
  if (i < spec.connected) {
    status = 'connected';
    const jti = opaqueId(salt, 'at', i);
    payloads.push({
      model: 'AccessToken',
      id: artifactKey('AccessToken', jti),
      grant_id: grantId,
      expires_at: exp * 1000,
      payload: storedJson('AccessToken', {
        iat,
        exp,
        accountId,
        grantId,
        gty: 'authorization_code',
        kind: 'AccessToken',
        jti,
        clientId,
        scope: benchScope,
      }),
    });
  } else if (i < spec.connected + spec.pendingValidation) {
    status = 'pending_validation';
  } else {
    const jti = opaqueId(salt, 'code', i);
    payloads.push({
      model: 'AuthorizationCode',
      id: artifactKey('AuthorizationCode', jti),
      grant_id: grantId,
      expires_at: exp * 1000,
      payload: storedJson('AuthorizationCode', {
        iat,
        exp,
        accountId,
        amr: ['otp'],
        authTime: iat,
        codeChallenge: meta.challenge,
        codeChallengeMethod: 'S256',
        grantId,
        redirectUri: benchRedirectUri,
        scope: benchScope,
        kind: 'AuthorizationCode',
        jti,
        clientId,
      }),
    });
  }
  return {
    account: {
      id: accountId,
      email: `owner-${i}@bench.invalid`,
      country: 'DE',
      locale: 'en',
      created_at: nowMs,
      updated_at: nowMs,
    },
    payloads,
    clearance: {
      id: uuidOf(salt, 'clearance', i),
      grant_id: grantId,
      account_id: accountId,
      fleet_id: null,
      client_id: clientId,
      brand: 'bmw',
      provider: 'bmw',
      vin: benchVin,
      scopes: JSON.stringify(['location', 'mileage']),
      status,
      status_changed_at: nowMs,
      created_at: nowMs,
      grant_expires_at: exp * 1000,
      auth_method: 'otp',
    },
  };
}

/** Migrates the database and registers the bench app and consumer with the functions the `keyturn` CLI uses. */
export async function registerClients(database: {
  sqliteFile?: string;
  databaseUrl?: string;
}): Promise<{ app: ClientCredentials; consumer: ClientCredentials }> {
  const db = openDatabase({ databaseUrl: database.databaseUrl, sqliteFile: database.sqliteFile ?? '' });
  try {
    await db.migrate();
    const app = await registerApp(
      appsRepository(db),
      {
        name: 'Bench app',
        redirectUris: [benchRedirectUri],
        brands: ['bmw'],
        scopes: ['location', 'mileage'],
      },
      { allowPrivateTargets: false, requireHttps: true },
    );
    const consumer = await registerConsumer(consumersRepository(db), 'Bench consumer');
    return {
      app: { clientId: app.client_id, clientSecret: app.client_secret },
      consumer: { clientId: consumer.client_id, clientSecret: consumer.client_secret },
    };
  } finally {
    await db.close();
  }
}

export const totalGrants = (s: DatasetSpec) => s.connected + s.pendingValidation + s.codes;

export function newMeta(spec: DatasetSpec, clients: { app: ClientCredentials; consumer: ClientCredentials }) {
  const { verifier, challenge } = pkcePair();
  const meta: DatasetMeta = {
    spec,
    salt: randomBytes(8).toString('hex'),
    ...clients,
    verifier,
    challenge,
    seededAt: Date.now(),
    seedSeconds: 0,
  };
  return meta;
}
