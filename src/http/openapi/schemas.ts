// JSON Schemas (2020-12, as OpenAPI 3.1.0 uses them) of the `/v1/*` bodies and the webhooks: enumerations
// and exported limits read from the code, problem codes from the fleet and app management APIs' messages.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { maxPageSize as maxClearancePageSize } from '../../app-api/list-query.ts';
import { authorizationStatuses, clearanceStatuses } from '../../domain/clearance/status.ts';
import { dataPoints } from '../../domain/data-points.ts';
import { statusCategories } from '../../domain/fleet/categories.ts';
import { fleetProviderIds, fleetProviders, trackerTypes } from '../../domain/fleet/providers.ts';
import { vehicleDataType } from '../../domain/vehicle-data-details.ts';
import { vehicleEventTypes } from '../../domain/vehicle-events.ts';
import { brands } from '../../domain/vehicles/brands.ts';
import { eligibilityReasonCodes } from '../../domain/vehicles/eligibility.ts';
import { vinLength } from '../../domain/vehicles/vin.ts';
import { maxPageSize } from '../../fleet-api/list-query.ts';
import { documentTypes, maxDocumentBytes } from '../../fleets/documents.ts';
import { maxBatchSize } from '../../fleets/register-vehicles.ts';
import { localesDirectory } from '../../paths.ts';

export type Json = Record<string, unknown>;

export const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });

const closed = (properties: Json, required = Object.keys(properties), extra: Json = {}): Json => ({
  type: 'object',
  required,
  properties,
  additionalProperties: false,
  ...extra,
});

const string = (description: string, extra: Json = {}): Json => ({ type: 'string', description, ...extra });
const nullable = (schema: Json): Json => ({ ...schema, type: [schema.type, 'null'] });
const timestamp = (description: string) => string(description, { format: 'date-time' });

const vin = string('Vehicle identification number (ISO 3779), uppercase.', {
  pattern: `^[A-HJ-NPR-Z0-9]{${vinLength}}$`,
});
const vehicleId = string('The vehicle’s id in Keyturn.', { pattern: '^veh_[0-9a-f]{28}$' });
const documentId = string('A document’s id.', { pattern: '^doc_[0-9a-f]{32}$' });
const trackerId = string(
  'The tracker id: the VIN for a car maker (stored uppercase, without spaces or hyphens), the device id for a tracker.',
  { minLength: 1, maxLength: 64 },
);
const provider = { type: 'string', enum: [...fleetProviderIds], description: 'The data provider.' };
const trackerType = { type: 'string', enum: [...trackerTypes], description: 'The connection type.' };
const clearanceStatus = {
  type: 'string',
  enum: [...clearanceStatuses],
  description: 'The validation (connectivity) status.',
};
const objectId: Json = {
  type: 'object',
  description:
    'The fleet’s own metadata: up to 50 text values (keys 1–64 characters, values up to 256). `vin`, when given, must be a VIN; a tracker’s vehicle is known by it.',
  maxProperties: 50,
  propertyNames: { minLength: 1, maxLength: 64 },
  additionalProperties: { type: 'string', maxLength: 256 },
};
const odometer: Json = {
  type: 'integer',
  minimum: 0,
  maximum: 10_000_000,
  description: 'The odometer in km.',
};

const vehicleProperties: Json = {
  id: vehicleId,
  tracker_id: trackerId,
  provider,
  type: trackerType,
  vin: nullable({ ...vin, description: 'The VIN, when known (a tracker’s from `object_id.vin`).' }),
  object_id: objectId,
  odometer: nullable(odometer),
  registration_document_id: nullable(documentId),
  validation_status: clearanceStatus,
  status_category: {
    type: 'string',
    enum: [...statusCategories],
    description: 'The category the status belongs to.',
  },
  status_changed_at: timestamp('When the status last changed.'),
  created_at: timestamp('When the vehicle was registered.'),
};

/** The codes of problems: each has its message under `problems` in the fleet and app management APIs' locales. */
const problemCodes = [
  ...new Set(
    ['fleets', 'app_api'].flatMap((namespace) => {
      const { problems } = JSON.parse(
        readFileSync(join(localesDirectory, 'en', `${namespace}.json`), 'utf8'),
      ) as { problems: Record<string, unknown> };
      return Object.keys(problems).filter((code) => typeof problems[code] === 'string');
    }),
  ),
];

const problem = closed({
  pointer: string(
    'JSON pointer (RFC 6901) to the offending part of the request body, or `/<parameter>` for a query parameter; empty for the body itself.',
  ),
  code: string(`A stable code: ${problemCodes.map((code) => `\`${code}\``).join(', ')}.`),
  message: string('What is wrong, in the language of `Accept-Language`.'),
});

/** A provider's constraints on an item, as if/then rules built from the providers' table. */
const providerRules = fleetProviders.map((rules) => ({
  if: { type: 'object', properties: { provider: { const: rules.id } }, required: ['provider'] },
  // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, never awaited
  then: {
    type: 'object',
    properties: {
      type: { const: rules.type },
      ...(rules.requiresOdometer ? { odometer: { type: 'integer' } } : {}),
      ...(rules.requiresRegistrationDocument ? { registration_document_id: { type: 'string' } } : {}),
    },
    required: [
      ...(rules.requiresOdometer ? ['odometer'] : []),
      ...(rules.requiresRegistrationDocument ? ['registration_document_id'] : []),
    ],
  },
}));

const providersTable = fleetProviders
  .map(
    (rules) =>
      `- \`${rules.id}\`: type \`${rules.type}\`, tracker id is the ${rules.trackerId === 'vin' ? 'VIN' : 'device id'}` +
      (rules.requiresOdometer ? ', `odometer` required' : '') +
      (rules.requiresRegistrationDocument ? ', `registration_document_id` required' : ''),
  )
  .join('\n');

const brand = { type: 'string', enum: brands.map((brand) => brand.id), description: 'The brand.' };

const appClearanceProperties: Json = {
  id: string('The clearance’s id.'),
  vin,
  brand,
  status: { ...clearanceStatus, description: 'The clearance status, as the maker reports the connection.' },
  authorization_status: {
    type: 'string',
    enum: [...authorizationStatuses],
    description: 'The authorization status the owner’s tokens have, derived from `status`.',
  },
  created_at: timestamp('When the owner consented.'),
  updated_at: timestamp('When the status last changed.'),
};

/** A vehicle event webhook's body, but for whom it is for. */
const vehicleEventProperties: Json = {
  vehicle: closed({
    vin,
    serial_number: string('Keyturn’s id of the clearance (a fleet’s vehicle id).'),
  }),
  event: closed({
    type: { type: 'string', enum: [...vehicleEventTypes] },
    received_at: timestamp('When Keyturn received the event from the maker.'),
    action: { type: 'string', const: 'automatic' },
  }),
  data: {
    type: 'object',
    description:
      'The event’s properties the grant covers (see docs/vehicle-events.md); a fleet gets every one the event has.',
    additionalProperties: false,
    properties: {
      latitude: { type: 'number', minimum: -90, maximum: 90 },
      longitude: { type: 'number', minimum: -180, maximum: 180 },
      heading: { type: 'number', minimum: 0, maximum: 360 },
      ignition: { type: 'boolean' },
      engine_on: { type: 'boolean' },
      mileage: { type: 'number', minimum: 0, description: 'Kilometres.' },
      battery_level: { type: 'number', minimum: 0, maximum: 100, description: 'Percent.' },
      front_exterior_lights: {
        type: 'string',
        enum: ['inactive', 'active', 'automatic', 'dipped_headlights'],
      },
      vehicle_moving: { type: 'boolean' },
      navigation_arrival_duration: { type: 'integer', minimum: 0, description: 'Seconds.' },
      navigation_destination: closed({ latitude: { type: 'number' }, longitude: { type: 'number' } }),
      condition_based_services: {
        type: 'array',
        items: closed(
          {
            id: { type: 'string' },
            status: { type: 'string', enum: ['ok', 'pending', 'overdue'] },
            due_date: { type: 'string', format: 'date' },
            due_distance_km: { type: 'number', minimum: 0 },
          },
          ['id', 'status'],
        ),
      },
      mobile_connection: { type: 'boolean' },
      vehicle_time: timestamp('When the car stamped the report.'),
    },
  },
};

const pingEvent = closed({
  type: { type: 'string', const: 'ping' },
  received_at: timestamp('When the test event was asked for.'),
});

export const schemas: Record<string, Json> = {
  Error: closed(
    {
      error: string('A stable error code, e.g. `invalid_input`, `invalid_token`, `unknown_vehicle`.'),
      error_description: string('What went wrong, in the language of `Accept-Language`.'),
      fields: {
        type: 'object',
        description: 'Field-level messages: field → message.',
        additionalProperties: { type: 'string' },
      },
      problems: { type: 'array', minItems: 1, items: ref('Problem'), description: 'Every problem at once.' },
    },
    ['error', 'error_description'],
  ),
  Problem: problem,
  Document: closed({
    id: documentId,
    content_type: { type: 'string', enum: documentTypes, description: 'The type the file’s bytes prove.' },
    size: { type: 'integer', minimum: 1, maximum: maxDocumentBytes, description: 'Size in bytes.' },
    sha256: string('SHA-256 of the bytes, hex.', { pattern: '^[0-9a-f]{64}$' }),
    created_at: timestamp('When it was uploaded.'),
  }),
  VehicleRegistration: {
    type: 'object',
    description: `One vehicle or tracker to register. Per provider:\n${providersTable}`,
    required: ['tracker_id', 'provider', 'type'],
    properties: {
      tracker_id: trackerId,
      provider,
      type: trackerType,
      object_id: nullable(objectId),
      odometer: nullable(odometer),
      registration_document_id: nullable({
        ...documentId,
        description: 'A document this fleet uploaded (`POST /v1/fleet/documents`).',
      }),
    },
    allOf: providerRules,
  },
  RegistrationBatch: {
    type: 'object',
    required: ['vehicles'],
    properties: {
      vehicles: { type: 'array', minItems: 1, maxItems: maxBatchSize, items: ref('VehicleRegistration') },
    },
  },
  RegisteredItem: closed({
    index: { type: 'integer', minimum: 0, description: 'The item’s position in the batch.' },
    id: vehicleId,
    tracker_id: trackerId,
    provider,
    type: trackerType,
    validation_status: clearanceStatus,
    created: {
      type: 'boolean',
      description: 'False when the fleet had already registered this provider and tracker id.',
    },
  }),
  RejectedItem: closed({
    index: { type: 'integer', minimum: 0, description: 'The item’s position in the batch.' },
    tracker_id: nullable(string('The tracker id as sent, when it was a string.')),
    error: closed({
      code: string('The code of the first problem.'),
      message: string('The message of the first problem.'),
      problems: { type: 'array', items: ref('Problem') },
    }),
  }),
  RegistrationResults: closed({
    vehicles: {
      type: 'array',
      maxItems: maxBatchSize,
      description: 'One result per item, in the batch’s order.',
      items: { oneOf: [ref('RegisteredItem'), ref('RejectedItem')] },
    },
  }),
  Vehicle: closed(vehicleProperties),
  ChangelogEntry: closed({
    timestamp: timestamp('When the status changed.'),
    status: clearanceStatus,
    reason: string('Why, e.g. `fleet_registered`, `oem_approved`.'),
  }),
  VehicleWithChangelog: closed({
    ...vehicleProperties,
    changelog: { type: 'array', items: ref('ChangelogEntry'), description: 'Oldest first.' },
  }),
  VehiclePage: closed({
    vehicles: { type: 'array', maxItems: maxPageSize, items: ref('Vehicle') },
    next_cursor: nullable(string('The `cursor` of the next page; null on the last page.')),
    counts: closed(
      Object.fromEntries(
        statusCategories.map((category) => [category, { type: 'integer', minimum: 0 }]),
      ) as Json,
      [...statusCategories],
      { description: 'The fleet’s vehicles per status category, whatever the filter.' },
    ),
  }),
  VehicleChanges: {
    type: 'object',
    description:
      'Only these fields can change. The tracker id only while `pending` or `wrong_tracker_id`; `object_id` replaces the whole object.',
    properties: { tracker_id: trackerId, object_id: nullable(objectId), odometer: nullable(odometer) },
    additionalProperties: false,
  },
  StatusChange: closed({ id: vehicleId, validation_status: clearanceStatus }),
  GrantedVehicleData: closed(
    {
      type: { type: 'string', const: vehicleDataType },
      data_points: {
        type: 'array',
        minItems: 1,
        uniqueItems: true,
        items: { type: 'string', enum: [...dataPoints] },
        description: 'The data points granted.',
      },
      brand,
      vin,
      status: {
        type: 'string',
        enum: [...authorizationStatuses],
        description: 'The authorization status now, the same as the authorization’s `status`.',
      },
    },
    undefined,
    { description: 'A `vehicle_data` authorization detail (RFC 9396) as granted: the vehicle consented to.' },
  ),
  Authorization: closed(
    {
      status: {
        type: 'string',
        enum: [...authorizationStatuses],
        description: 'The authorization status, derived from `vehicle_status`.',
      },
      vehicle_status: clearanceStatus,
      vin,
      brand,
      scope: string('The token’s scope, space-separated.'),
      pending_since: nullable(
        timestamp(
          'While `status` is `pending`: when the current wait for the owner’s approval at the maker began (the consent, or the latest request again), ISO 8601 UTC; otherwise null.',
        ),
      ),
      resolution_url: nullable({
        type: 'string',
        format: 'uri',
        description:
          'After the maker could not be asked, did not answer in time, did not know the VIN, or the owner rejected or withdrew access there: a Keyturn page to send the owner to, where they confirm asking the maker again for the same vehicle and data (the token stays the same and turns `pending`). Otherwise null.',
      }),
      authorization_details: {
        type: 'array',
        items: ref('GrantedVehicleData'),
        minItems: 1,
        description:
          'Only for a token the app asked for with `authorization_details` instead of data-point scopes: the details granted.',
      },
    },
    ['status', 'vehicle_status', 'vin', 'brand', 'scope', 'pending_since', 'resolution_url'],
  ),
  AppClearance: closed(appClearanceProperties),
  AppClearanceWithChangelog: closed({
    ...appClearanceProperties,
    changelog: { type: 'array', items: ref('ChangelogEntry'), description: 'Oldest first.' },
  }),
  AppClearancePage: closed({
    clearances: { type: 'array', maxItems: maxClearancePageSize, items: ref('AppClearance') },
    next_cursor: nullable(string('The `cursor` of the next page; null on the last page.')),
  }),
  EligibilityRequest: {
    type: 'object',
    required: ['vin', 'country'],
    properties: {
      vin: string('The VIN to check; spaces and hyphens are ignored, letters may be lowercase.', {
        maxLength: 64,
      }),
      country: string('Where the car is registered: ISO 3166-1 alpha-2, capitals.', {
        pattern: '^[A-Z]{2}$',
      }),
    },
  },
  Eligibility: closed({
    vin: string('The VIN as Keyturn reads it: uppercase, without spaces or hyphens.'),
    eligible: {
      type: 'boolean',
      description: 'Whether an owner can connect this car through the app (possibly, when a reason says so).',
    },
    brand: {
      type: ['string', 'null'],
      enum: [...brands.map((brand) => brand.id), null],
      description:
        'The brand of the VIN’s manufacturer code; null when it is no VIN or no brand Keyturn connects.',
    },
    reasons: {
      type: 'array',
      description: 'Every reason that applies; empty when nothing stands in the way.',
      items: closed({
        code: { type: 'string', enum: [...eligibilityReasonCodes], description: 'A stable code.' },
        message: string('The reason, in the language of `Accept-Language`.'),
      }),
    },
  }),
  FleetClearanceChanged: closed({
    vehicle: closed({
      id: vehicleId,
      tracker_id: nullable(trackerId),
      vin: nullable(vin),
    }),
    event: closed({
      type: { type: 'string', const: 'fleet_clearance_changed' },
      received_at: timestamp('When the change happened.'),
      action: {
        type: 'string',
        enum: ['manual', 'automatic'],
        description: '`manual` when the fleet asked for it (validating, removing), `automatic` otherwise.',
      },
    }),
    fleet: closed({ id: string('The fleet’s id.') }),
    clearance: closed({ status: clearanceStatus }),
  }),
  AuthorizationChanged: closed({
    vehicle: closed({ vin }),
    event: closed({
      type: { type: 'string', const: 'authorization_changed' },
      received_at: timestamp('When the change happened.'),
      action: { type: 'string', enum: ['manual', 'automatic'], description: 'Always `automatic` today.' },
    }),
    application: closed({ id: string('The app’s `client_id`.') }),
    authorization: closed({
      status: { type: 'string', enum: [...authorizationStatuses], description: 'The new status.' },
    }),
  }),
  UsageStatement: closed({
    month: string('The calendar month (UTC), `YYYY-MM`.', { pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$' }),
    currency: { type: 'string', const: 'EUR' },
    vehicles: {
      type: 'array',
      description: 'One line per vehicle that received charged events in the month, by VIN.',
      items: closed({
        vin,
        events: { type: 'integer', minimum: 0, description: 'Charged events, less those credited back.' },
        amount_cents: { type: 'integer', minimum: 0, description: 'What they cost, capped.' },
        capped: { type: 'boolean', description: 'Whether the monthly cap held back some charge.' },
      }),
    },
    subtotal_cents: { type: 'integer', minimum: 0 },
    discount_cents: { type: 'integer', minimum: 0, description: 'The volume discount, rounded down.' },
    total_cents: { type: 'integer', minimum: 0 },
  }),
  VehicleEvent: {
    description: 'To an app (`application`) or to a fleet (`fleet`).',
    oneOf: [
      closed({ ...vehicleEventProperties, application: closed({ id: string('The app’s `client_id`.') }) }),
      closed({ ...vehicleEventProperties, fleet: closed({ id: string('The fleet’s id.') }) }),
    ],
  },
  Ping: {
    description: 'To an app (`application`) or to a fleet (`fleet`).',
    oneOf: [
      closed({ event: pingEvent, application: closed({ id: string('The app’s `client_id`.') }) }),
      closed({ event: pingEvent, fleet: closed({ id: string('The fleet’s id.') }) }),
    ],
  },
};
