// The vehicles and trackers fleets register. Each is a clearance (its status, relay and audit trail; see
// ./clearances.ts) with its registration details beside it, under the same id. One live registration per
// fleet, provider and tracker id: registering it again returns the vehicle already there. Listing walks
// one fleet's vehicles in id order (ids grow with time) by keyset, on indexes that hold only fleets'
// vehicles, one per status category, so a page costs the same however many vehicles there are.
import type { Database, Statement, Value } from '../db/index.ts';
import { type ClearanceStatus, storedClearanceStatus } from '../domain/clearance/status.ts';
import { type StatusCategory, statusCategories, statusesIn } from '../domain/fleet/categories.ts';
import type { ClearancesRepository } from './clearances.ts';

export interface FleetVehicle {
  id: string;
  fleetId: string;
  trackerId: string;
  provider: string;
  type: string;
  objectId: Record<string, string>;
  odometer: number | null;
  registrationDocumentId: string | null;
  /** The VIN: the tracker id of a car maker's vehicle, `object_id.vin` of a tracker ('' when unknown). */
  vin: string;
  status: ClearanceStatus;
  statusChangedAt: number;
  createdAt: number;
}

export interface NewFleetVehicle {
  id: string;
  trackerId: string;
  provider: string;
  type: string;
  objectId: Record<string, string>;
  odometer: number | null;
  registrationDocumentId: string | null;
  vin: string;
}

export interface VehicleFilter {
  category?: StatusCategory;
  status?: ClearanceStatus;
  provider?: string;
  /** A tracker id, VIN or licence plate, matched exactly (case and spaces ignored). */
  q?: string;
  limit: number;
  /** The last id of the previous page. */
  after?: string;
}

export interface VehicleChanges {
  trackerId?: string;
  vin?: string;
  objectId?: Record<string, string>;
  odometer?: number | null;
}

interface VehicleRow {
  id: string;
  fleet_id: string;
  tracker_id: string;
  provider: string;
  tracker_type: string;
  object_id: string;
  odometer: number | null;
  registration_document_id: string | null;
  vin: string;
  status: string;
  status_changed_at: number | string;
  created_at: number | string;
}

const toVehicle = (row: VehicleRow): FleetVehicle => ({
  id: row.id,
  fleetId: row.fleet_id,
  trackerId: row.tracker_id,
  provider: row.provider,
  type: row.tracker_type,
  objectId: JSON.parse(row.object_id),
  odometer: row.odometer === null ? null : Number(row.odometer),
  registrationDocumentId: row.registration_document_id,
  vin: row.vin,
  status: storedClearanceStatus(row.status, `fleet vehicle ${row.id}`),
  statusChangedAt: Number(row.status_changed_at),
  createdAt: Number(row.created_at),
});

/** How search terms and plates are compared: uppercase, without spaces or hyphens. */
export const searchKey = (value: string) =>
  value
    .replace(/[\s-]+/g, '')
    .toUpperCase()
    .slice(0, 32);

const registrationKey = (provider: string, trackerId: string) => `${provider}:${trackerId}`;

const columns = `c.id, c.fleet_id, v.tracker_id, c.provider, v.tracker_type, v.object_id, v.odometer,
  v.registration_document_id, c.vin, c.status, c.status_changed_at, c.created_at`;

const quoted = (statuses: readonly string[]) => statuses.map((status) => `'${status}'`).join(', ');

/** The literal condition of each category, as its partial index states it (so both engines use it). */
const categoryCondition: Record<StatusCategory, string> = {
  connected: "c.fleet_id is not null and c.status = 'connected'",
  pending: `c.fleet_id is not null and c.status in (${quoted(statusesIn('pending'))})`,
  errors: `c.fleet_id is not null and c.status in (${quoted(statusesIn('errors'))})`,
  disconnected: "c.fleet_id is not null and c.status = 'disconnected'",
};

export function fleetVehiclesRepository(database: Database, clearances: ClearancesRepository) {
  const insertVehicle = database.statement<{ id: string }>(
    `insert into fleet_vehicles (id, fleet_id, tracker_id, tracker_type, object_id, odometer,
      registration_document_id, registration_key, plate_key) values (?, ?, ?, ?, ?, ?, ?, ?, ?)
      on conflict (fleet_id, registration_key) do nothing returning id`,
  );
  const selectRegistered = database.statement<VehicleRow>(
    `select ${columns} from fleet_vehicles v join clearances c on c.id = v.id
      where v.fleet_id = ? and v.registration_key = ?`,
  );
  const selectOne = database.statement<VehicleRow>(
    `select ${columns} from fleet_vehicles v join clearances c on c.id = v.id where v.id = ? and v.fleet_id = ?`,
  );
  const selectTracker = database.readStatement<{ tracker_id: string }>(
    'select tracker_id from fleet_vehicles where id = ?',
  );
  const selectCounts = database.readStatement<{ category: string; count: number | string }>(
    'select category, count from fleet_vehicle_counts where fleet_id = ?',
  );
  const selectChangelog = database.statement<{
    created_at: number | string;
    to_status: string;
    cause: string;
    actor: string | null;
  }>(
    'select created_at, to_status, cause, actor from clearance_transitions where clearance_id = ? order by id',
  );
  const selectActivity = database.readStatement<{
    clearance_id: string;
    tracker_id: string;
    created_at: number | string;
    to_status: string;
    cause: string;
    actor: string;
  }>(
    `select t.clearance_id, v.tracker_id, t.created_at, t.to_status, t.cause, t.actor
      from clearance_transitions t join fleet_vehicles v on v.id = t.clearance_id
      where v.fleet_id = ? and t.actor is not null order by t.id desc limit ?`,
  );
  const pages = new Map<string, Statement<VehicleRow>>();
  const pageStatement = (sql: string) => {
    let statement = pages.get(sql);
    if (!statement) {
      statement = database.readStatement<VehicleRow>(sql);
      pages.set(sql, statement);
    }
    return statement;
  };

  return {
    /**
     * Registers vehicles of one fleet in one transaction: each new one as a `pending` clearance, each
     * already registered (same provider and tracker id, not ended) returned as it is. Inserted in the
     * order of their keys, so two batches sharing trackers never wait for each other the other way round.
     */
    register(
      fleet: { id: string; clientId: string },
      vehicles: NewFleetVehicle[],
      scopes: string[],
      actor?: string,
    ): Promise<{ vehicle: FleetVehicle; created: boolean }[]> {
      const order = vehicles
        .map((vehicle, index) => ({
          vehicle,
          index,
          key: registrationKey(vehicle.provider, vehicle.trackerId),
        }))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      return database.transaction(async () => {
        const results: { vehicle: FleetVehicle; created: boolean }[] = new Array(vehicles.length);
        let created = 0;
        for (const { vehicle, index, key } of order) {
          const inserted = await insertVehicle.get(
            vehicle.id,
            fleet.id,
            vehicle.trackerId,
            vehicle.type,
            JSON.stringify(vehicle.objectId),
            vehicle.odometer,
            vehicle.registrationDocumentId,
            key,
            vehicle.objectId.license_plate ? searchKey(vehicle.objectId.license_plate) : null,
          );
          if (inserted) {
            const clearance = await clearances.create({
              id: vehicle.id,
              grantId: null,
              accountId: null,
              fleetId: fleet.id,
              clientId: fleet.clientId,
              brand: vehicle.provider,
              provider: vehicle.provider,
              vin: vehicle.vin,
              scopes,
              status: 'pending',
              cause: 'fleet_registered',
              grantExpiresAt: null,
              authMethod: null,
              actor,
            });
            created++;
            results[index] = {
              created: true,
              vehicle: {
                ...vehicle,
                fleetId: fleet.id,
                status: clearance.status,
                statusChangedAt: clearance.statusChangedAt,
                createdAt: clearance.createdAt,
              },
            };
          } else {
            const row = await selectRegistered.get(fleet.id, key);
            if (!row) throw new Error(`registration ${key} of fleet ${fleet.id} vanished`);
            results[index] = { created: false, vehicle: toVehicle(row) };
          }
        }
        await clearances.countRegistered(fleet.id, 'pending', created);
        return results;
      });
    },

    /** The fleet's vehicle; undefined for an unknown id or another fleet's vehicle. */
    async find(fleetId: string, id: string): Promise<FleetVehicle | undefined> {
      const row = await selectOne.get(id, fleetId);
      return row ? toVehicle(row) : undefined;
    },

    async list(fleetId: string, filter: VehicleFilter): Promise<FleetVehicle[]> {
      const conditions = [filter.category ? categoryCondition[filter.category] : 'c.fleet_id is not null'];
      const values: Value[] = [fleetId];
      if (filter.status) {
        conditions.push('c.status = ?');
        values.push(filter.status);
      }
      if (filter.provider) {
        conditions.push('c.provider = ?');
        values.push(filter.provider);
      }
      if (filter.after) {
        conditions.push('c.id > ?');
        values.push(filter.after);
      }
      if (filter.q) {
        // A search names one vehicle or a few: its own indexes find them.
        const key = searchKey(filter.q);
        conditions.push('(v.tracker_id = ? or upper(v.tracker_id) = ? or c.vin = ? or v.plate_key = ?)');
        values.push(filter.q.trim(), key, key, key, fleetId, filter.limit);
        const sql = `select ${columns} from clearances c join fleet_vehicles v on v.id = c.id
          where c.fleet_id = ? and ${conditions.join(' and ')} and v.fleet_id = ? order by c.id limit ?`;
        return (await pageStatement(sql).all(...values)).map(toVehicle);
      }
      // The page's clearances first, from the category's index alone (it carries what a page shows), then
      // their registration details by id: a page costs the same wherever it starts in a fleet of any size.
      values.push(filter.limit);
      const sql = `select ${columns} from (select c.id, c.fleet_id, c.provider, c.vin, c.status,
          c.status_changed_at, c.created_at from clearances c
          where c.fleet_id = ? and ${conditions.join(' and ')} order by c.id limit ?) c
        join fleet_vehicles v on v.id = c.id order by c.id`;
      return (await pageStatement(sql).all(...values)).map(toVehicle);
    },

    async counts(fleetId: string): Promise<Record<StatusCategory, number>> {
      const counts = Object.fromEntries(statusCategories.map((category) => [category, 0])) as Record<
        StatusCategory,
        number
      >;
      for (const row of await selectCounts.all(fleetId))
        if (Object.hasOwn(counts, row.category)) counts[row.category as StatusCategory] = Number(row.count);
      return counts;
    },

    async changelog(
      id: string,
    ): Promise<{ timestamp: number; status: ClearanceStatus; reason: string; actor: string | null }[]> {
      return (await selectChangelog.all(id)).map((row) => ({
        timestamp: Number(row.created_at),
        status: storedClearanceStatus(row.to_status, `fleet vehicle ${id}`),
        reason: row.cause,
        actor: row.actor,
      }));
    },

    /** What the fleet's users did from the Platform, newest first. */
    async activity(fleetId: string, limit = 50) {
      return (await selectActivity.all(fleetId, limit)).map((row) => ({
        vehicleId: row.clearance_id,
        trackerId: row.tracker_id,
        timestamp: Number(row.created_at),
        status: storedClearanceStatus(row.to_status, `fleet vehicle ${row.clearance_id}`),
        reason: row.cause,
        actor: row.actor,
      }));
    },

    async trackerIdOf(id: string): Promise<string | undefined> {
      return (await selectTracker.get(id))?.tracker_id;
    },

    /**
     * Changes a vehicle's registration details. A new tracker id moves its registration too; false when
     * another live vehicle of the fleet already has that tracker id.
     */
    async update(vehicle: FleetVehicle, changes: VehicleChanges): Promise<boolean> {
      return database.transaction(async () => {
        const trackerId = changes.trackerId ?? vehicle.trackerId;
        const objectId = changes.objectId ?? vehicle.objectId;
        const update: Record<string, unknown> = {
          tracker_id: trackerId,
          object_id: JSON.stringify(objectId),
          plate_key: objectId.license_plate ? searchKey(objectId.license_plate) : null,
        };
        if (changes.odometer !== undefined) update.odometer = changes.odometer;
        if (changes.trackerId !== undefined && changes.trackerId !== vehicle.trackerId) {
          const key = registrationKey(vehicle.provider, changes.trackerId);
          const taken = await database
            .query()('fleet_vehicles')
            .where({ fleet_id: vehicle.fleetId, registration_key: key })
            .first('id');
          if (taken) return false;
          update.registration_key = key;
        }
        await database.query()('fleet_vehicles').where({ id: vehicle.id }).update(update);
        if (changes.vin !== undefined)
          await database.query()('clearances').where({ id: vehicle.id }).update({ vin: changes.vin });
        return true;
      });
    },
  };
}

export type FleetVehiclesRepository = ReturnType<typeof fleetVehiclesRepository>;
