// The fleet data sets and the bench's fleet. A data set is one fleet owning every vehicle in it, in a fixed
// mix of statuses spread evenly over the id order, with the rows fleetVehiclesRepository.register and the
// later status changes leave: a clearances row (fleet_id and the fleet's client id, no grant, no account),
// a fleet_vehicles row beside it under the same id, and the fleet's counts per status category.
import { openDatabase } from '../../src/db/index.ts';
import { type ClearanceStatus, isTerminal } from '../../src/domain/clearance/status.ts';
import { dataPoints } from '../../src/domain/data-points.ts';
import { type StatusCategory, statusCategories, statusCategory } from '../../src/domain/fleet/categories.ts';
import { newFleetId } from '../../src/fleets/ids.ts';
import { hashSecret, randomToken } from '../../src/security/secrets.ts';
import type { ClearanceRow } from '../../src/storage/clearances.ts';
import { searchKey } from '../../src/storage/fleet-vehicles.ts';
import { fleetsRepository } from '../../src/storage/fleets.ts';
import { freshWebhookSecrets } from '../../src/webhooks/signing-secrets.ts';
import { mix32, schemaVersion } from './dataset.ts';
import { basicAuth } from './flows.ts';

export interface FleetSpec {
  /** Vehicles of the one fleet. */
  vehicles: number;
}

export interface BenchFleet {
  id: string;
  clientId: string;
  clientSecret: string;
}

export interface FleetMeta {
  spec: FleetSpec;
  salt: string;
  fleet: BenchFleet;
  /** The fleet's vehicles per status category, as fleet_vehicle_counts holds them. */
  counts: Record<StatusCategory, number>;
  seededAt: number;
  seedSeconds: number;
}

// The schema version is part of the key, as for the grant data sets; so is the rows' format, raised when
// what the seeders write for fleets changes, or when sets cached before may have been changed by a server
// (2: housekeeping could time out a cached set's pending clearances).
const fleetRowsFormat = 2;
export const fleetDatasetKey = (s: FleetSpec) => `fleet_v${s.vehicles}_s${schemaVersion}_f${fleetRowsFormat}`;

/** Per mille of the vehicles in each status: mostly connected, some pending, some errors, a few ended. */
const statusMix: [ClearanceStatus, number][] = [
  ['connected', 900],
  ['pending', 20],
  ['pending_validation', 20],
  ['pending_for_data', 10],
  ['wrong_tracker_id', 10],
  ['error_data', 5],
  ['error_capability', 5],
  ['error_rejected', 5],
  ['error_revoke', 5],
  ['error_time_out', 5],
  ['error_validating', 5],
  ['disconnected', 10],
];
const statusByPermille = statusMix.flatMap(([status, share]) => Array<ClearanceStatus>(share).fill(status));
if (statusByPermille.length !== 1000) throw new Error('the status mix must add up to 1,000 per mille');

/** Trackers of two hardware providers and one car maker (its tracker id is the VIN). */
const providerMix = [
  ...Array(6).fill({ provider: 'targa', type: 'canbus', prefix: 'TGA' }),
  ...Array(2).fill({ provider: 'astrata', type: 'obd', prefix: 'AST' }),
  ...Array(2).fill({ provider: 'bmw', type: 'oem', prefix: 'WBA' }),
] as { provider: string; type: string; prefix: string }[];

const saltWord = (meta: FleetMeta, word: number) =>
  Number.parseInt(meta.salt.slice(word * 8, word * 8 + 8), 16) >>> 0;

export function statusOf(meta: FleetMeta, i: number): ClearanceStatus {
  return (
    statusByPermille[mix32((saltWord(meta, 0) ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0) % 1000] ?? 'connected'
  );
}

const day = 86_400_000;
/** Registered in batches of 1,000, one millisecond apart, starting 30 days before the seed. */
const createdAtOf = (meta: FleetMeta, i: number) => meta.seededAt - 30 * day + Math.floor(i / 1000);

/** The id register gives a vehicle (see src/fleets/ids.ts): time, counter, randomness; ids grow with i. */
export function vehicleIdOf(meta: FleetMeta, i: number): string {
  const time = createdAtOf(meta, i).toString(16).padStart(12, '0');
  const counter = (i % 1000).toString(16).padStart(4, '0');
  const h1 = mix32((saltWord(meta, 1) ^ i) >>> 0);
  const h2 = mix32((h1 + 0x9e3779b9) >>> 0) & 0xffff;
  return `veh_${time}${counter}${h1.toString(16).padStart(8, '0')}${h2.toString(16).padStart(4, '0')}`;
}

export interface FleetVehicleRow {
  id: string;
  fleet_id: string;
  tracker_id: string;
  tracker_type: string;
  object_id: string;
  odometer: number | null;
  registration_document_id: string | null;
  registration_key: string | null;
  plate_key: string | null;
}

const scopes = JSON.stringify([...dataPoints]);

/** Vehicle number `i` of the data set: its clearance and its registration, as the repository writes them. */
export function fleetVehicleRows(
  meta: FleetMeta,
  i: number,
): { clearance: ClearanceRow; vehicle: FleetVehicleRow } {
  const id = vehicleIdOf(meta, i);
  const status = statusOf(meta, i);
  const { provider, type, prefix } = providerMix[i % providerMix.length] ?? {
    provider: '',
    type: '',
    prefix: '',
  };
  const trackerId =
    provider === 'bmw'
      ? `${prefix}${String(i).padStart(14, '0')}`
      : `${prefix}-${String(i).padStart(8, '0')}`;
  const plate = `B-KT ${i}`;
  const createdAt = createdAtOf(meta, i);
  return {
    clearance: {
      id,
      grant_id: null,
      account_id: null,
      fleet_id: meta.fleet.id,
      client_id: meta.fleet.clientId,
      brand: provider,
      provider,
      vin: provider === 'bmw' ? trackerId : '',
      scopes,
      status,
      oem_reference: null,
      last_event_at: null,
      status_changed_at: status === 'pending' ? createdAt : createdAt + day,
      created_at: createdAt,
      grant_expires_at: null,
      auth_method: null,
    },
    vehicle: {
      id,
      fleet_id: meta.fleet.id,
      tracker_id: trackerId,
      tracker_type: type,
      object_id: JSON.stringify({ license_plate: plate }),
      odometer: null,
      registration_document_id: null,
      // An ended vehicle no longer holds its tracker id (see clearancesRepository.changeStatus).
      registration_key: isTerminal(status) ? null : `${provider}:${trackerId}`,
      plate_key: searchKey(plate),
    },
  };
}

/** The fleet's counts per category over the whole data set. */
export function fleetCounts(meta: FleetMeta): Record<StatusCategory, number> {
  const counts = Object.fromEntries(statusCategories.map((category) => [category, 0])) as Record<
    StatusCategory,
    number
  >;
  for (let i = 0; i < meta.spec.vehicles; i++) counts[statusCategory(statusOf(meta, i))]++;
  return counts;
}

/** The ids of the category's vehicles in id order (page cursors are drawn from them). */
export function categoryIds(meta: FleetMeta, category: StatusCategory): string[] {
  const ids: string[] = [];
  for (let i = 0; i < meta.spec.vehicles; i++)
    if (statusCategory(statusOf(meta, i)) === category) ids.push(vehicleIdOf(meta, i));
  return ids;
}

/**
 * Migrates the database and registers the bench fleet with a fleets row as `keyturn fleets add` stores it
 * (the client secret hashed), without a webhook endpoint. Returns its credentials.
 */
export async function createBenchFleet(database: {
  sqliteFile?: string;
  databaseUrl?: string;
}): Promise<BenchFleet> {
  const db = openDatabase({ databaseUrl: database.databaseUrl, sqliteFile: database.sqliteFile ?? '' });
  try {
    await db.migrate();
    const fleet: BenchFleet = {
      id: newFleetId(),
      clientId: `fleet_client_${randomToken(12)}`,
      clientSecret: randomToken(32),
    };
    await fleetsRepository(db).insert({
      id: fleet.id,
      name: 'Bench fleet',
      adminEmail: 'fleet.admin@bench.invalid',
      clientId: fleet.clientId,
      clientSecretHash: hashSecret(fleet.clientSecret),
      webhookUrl: null,
      webhookSecrets: freshWebhookSecrets(),
      webhookDisabled: null,
      eventTypes: [],
      createdAt: Date.now(),
    });
    return fleet;
  } finally {
    await db.close();
  }
}

/** The fleet's access token: client credentials (client_secret_basic) for the fleet API's scope. */
export async function fleetToken(base: string, fleet: BenchFleet): Promise<string> {
  const response = await fetch(new URL('/token', base), {
    method: 'POST',
    headers: {
      authorization: basicAuth({ clientId: fleet.clientId, clientSecret: fleet.clientSecret }),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'fleet:clearance' }).toString(),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!response.ok || !body.access_token)
    throw new Error(`client credentials failed: ${JSON.stringify(body)}`);
  return body.access_token;
}

/**
 * Vehicle `n` of a registration batch, the same for the API and the bare inserts: a BMW, its VIN the
 * tracker id (the maker the harness configures for every Keyturn it starts; a fleet can register only a
 * provider that is configured).
 */
export function registrationItem(n: number) {
  return {
    tracker_id: `WBA${String(n).padStart(14, '0')}`,
    provider: 'bmw',
    type: 'oem',
    object_id: { license_plate: `M-KT ${n}` },
  };
}
