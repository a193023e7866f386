// JSON Schemas (2020-12, as OpenAPI 3.1.0 uses them) of the `/v1/*` bodies and the webhooks: enumerations
// and exported limits read from the code, problem codes from the fleet API's messages.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { authorizationStatuses, clearanceStatuses } from '../../domain/clearance/status.ts';
import { statusCategories } from '../../domain/fleet/categories.ts';
import { fleetProviderIds, fleetProviders, trackerTypes } from '../../domain/fleet/providers.ts';
import { brands } from '../../domain/vehicles/brands.ts';
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

/** The codes of problems: each has its message under `problems` in the fleet API's locale. */
const fleetMessages = JSON.parse(readFileSync(join(localesDirectory, 'en', 'fleets.json'), 'utf8')) as {
  problems: Record<string, unknown>;
};
const problemCodes = Object.keys(fleetMessages.problems).filter(
  (code) => typeof fleetMessages.problems[code] === 'string',
);

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
  Authorization: closed({
    status: {
      type: 'string',
      enum: [...authorizationStatuses],
      description: 'The authorization status, derived from `vehicle_status`.',
    },
    vehicle_status: clearanceStatus,
    vin,
    brand: { type: 'string', enum: brands.map((brand) => brand.id), description: 'The brand.' },
    scope: string('The token’s scope, space-separated.'),
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
};
