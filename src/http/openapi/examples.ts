// Example values of the OpenAPI document, made where possible by the code that makes the real ones (the
// presenters, the list query's parser, the webhook bodies) and with the English messages of the codes.
import { presentAuthorization } from '../../authorization-server/authorization-status.ts';
import type { ClearanceStatus } from '../../domain/clearance/status.ts';
import { Conflict, InvalidInput, KeyturnError, NotFound, Unauthorized } from '../../errors.ts';
import { encodeCursor, parseListQuery } from '../../fleet-api/list-query.ts';
import { documentTooLarge } from '../../fleets/documents.ts';
import { presentChangelog, presentDocument, presentVehicle } from '../../fleets/present.ts';
import { maxBatchSize } from '../../fleets/register-vehicles.ts';
import { translator } from '../../i18n/index.ts';
import type { FleetVehicle } from '../../storage/fleet-vehicles.ts';
import {
  appPingBody,
  authorizationChangedBody,
  fleetPingBody,
  vehicleEventBody,
} from '../../webhooks/kinds.ts';

const t = translator('en');
const at = (time: string) => Date.parse(`2026-05-04T${time}Z`);

export interface Example {
  summary: string;
  value: unknown;
}

export const example = (summary: string, value: unknown): Example => ({ summary, value });

const ids = {
  fleet: 'fleet_5e1f0c9a8b7d6e4f3a21',
  document: 'doc_3f9c2a7be1d04c58a6f1e2d3c4b5a697',
  bmw: 'veh_0196a1b2c3d40000a1b2c3d4e5f6',
  targa: 'veh_0196a1b2c3d40001b2c3d4e5f6a7',
};
export const exampleVehicleId = ids.bmw;
export const exampleDocumentId = ids.document;

const bmwVin = 'WBA8E9G50GNT10001';

/** An error as the error handler renders it to JSON. */
export function errorExample(summary: string, error: KeyturnError): Example {
  return example(summary, {
    error: error.code,
    error_description: t(error.messageKey, error.messageValues),
    ...(error.problems.length > 0
      ? {
          problems: error.problems.map((problem) => ({
            pointer: problem.pointer,
            code: problem.code,
            message: t(problem.messageKey, problem.messageValues),
          })),
        }
      : {}),
  });
}

const fleetError = (status: number, code: string, messageValues?: Record<string, unknown>) =>
  new KeyturnError(status, code, {
    messageKey: `fleets:errors.${code}`,
    ...(messageValues && { messageValues }),
  });
const notAllowed = (code: string, status: ClearanceStatus) =>
  new Conflict(code, { messageKey: `fleets:errors.${code}`, messageValues: { status } });
const invalidRequest = (problems: { pointer: string; code: string; values?: Record<string, unknown> }[]) =>
  new InvalidInput({
    messageKey: 'fleets:errors.invalid_request',
    problems: problems.map(({ pointer, code, values }) => ({
      pointer,
      code,
      messageKey: `fleets:problems.${code}`,
      ...(values && { messageValues: values }),
    })),
  });

/** The error `run` throws for an example's input. */
export function thrownBy(run: () => unknown): KeyturnError {
  try {
    run();
  } catch (error) {
    if (error instanceof KeyturnError) return error;
    throw error;
  }
  throw new Error('expected the example input to be refused');
}

const bmw: FleetVehicle = {
  id: ids.bmw,
  fleetId: ids.fleet,
  trackerId: bmwVin,
  provider: 'bmw',
  type: 'oem',
  objectId: { license_plate: 'M-KT 1' },
  odometer: null,
  registrationDocumentId: null,
  vin: bmwVin,
  status: 'connected',
  statusChangedAt: at('09:02:41.000'),
  createdAt: at('08:15:00.000'),
};
const targa: FleetVehicle = {
  ...bmw,
  id: ids.targa,
  trackerId: 'TGA-358200',
  provider: 'targa',
  type: 'canbus',
  objectId: { vin: 'VF3AAAAAAAA100003', license_plate: 'M-KT 2' },
  vin: 'VF3AAAAAAAA100003',
  status: 'pending',
  statusChangedAt: at('08:15:00.000'),
};

export const examples = {
  unauthorized: errorExample('No valid access token', new Unauthorized('invalid_token')),
  unknownVehicle: errorExample(
    'Not a vehicle of this fleet',
    new NotFound('unknown_vehicle', { messageKey: 'fleets:errors.unknown_vehicle' }),
  ),
  unknownDocument: errorExample(
    'Not a document of this fleet',
    new NotFound('unknown_document', { messageKey: 'fleets:errors.unknown_document' }),
  ),
  jsonRequired: errorExample(
    'The body is not JSON',
    new KeyturnError(415, 'unsupported_media_type', { messageKey: 'fleets:errors.json_required' }),
  ),

  document: example(
    'A registration certificate',
    presentDocument({
      id: ids.document,
      fleetId: ids.fleet,
      contentType: 'image/png',
      size: 48213,
      sha256: '9f2c1e0d8b7a6f5e4d3c2b1a09f8e7d6c5b4a3928170f6e5d4c3b2a190817263',
      createdAt: at('08:10:12.000'),
    }),
  ),
  documentEmpty: errorExample('An empty body', fleetError(400, 'document_empty')),
  documentTooLarge: errorExample('Too large', documentTooLarge()),
  unsupportedDocument: errorExample('Not JPEG, PNG or PDF', fleetError(415, 'unsupported_document_type')),
  documentMismatch: errorExample(
    'The bytes are not of the type sent',
    fleetError(415, 'document_type_mismatch', { type: 'image/png' }),
  ),

  batch: example('A car maker’s vehicle, a tracker and a Mercedes-Benz with its certificate', {
    vehicles: [
      { tracker_id: bmwVin, provider: 'bmw', type: 'oem', object_id: { license_plate: 'M-KT 1' } },
      { tracker_id: 'TGA-358200', provider: 'targa', type: 'canbus', object_id: { vin: targa.vin } },
      {
        tracker_id: 'WDD2050041F100002',
        provider: 'mercedes-benz',
        type: 'oem',
        odometer: 48213,
        registration_document_id: 'doc_00000000000000000000000000000000',
      },
    ],
  }),
  batchResults: example('Two registered, one refused (a document this fleet did not upload)', {
    vehicles: [
      {
        index: 0,
        id: ids.bmw,
        tracker_id: bmwVin,
        provider: 'bmw',
        type: 'oem',
        validation_status: 'pending',
        created: true,
      },
      {
        index: 1,
        id: ids.targa,
        tracker_id: targa.trackerId,
        provider: 'targa',
        type: 'canbus',
        validation_status: 'pending',
        created: true,
      },
      {
        index: 2,
        tracker_id: 'WDD2050041F100002',
        error: {
          code: 'unknown_document',
          message: t('fleets:problems.unknown_document'),
          problems: [
            {
              pointer: '/vehicles/2/registration_document_id',
              code: 'unknown_document',
              message: t('fleets:problems.unknown_document'),
            },
          ],
        },
      },
    ],
  }),
  batchMissing: errorExample(
    'No vehicles array',
    invalidRequest([{ pointer: '/vehicles', code: 'vehicles_required' }]),
  ),
  batchTooLarge: errorExample(
    'Too many vehicles',
    invalidRequest([
      { pointer: '/vehicles', code: 'batch_size', values: { max: maxBatchSize, count: maxBatchSize + 1 } },
    ]),
  ),
  batchDuplicate: errorExample(
    'One tracker twice',
    invalidRequest([
      { pointer: '/vehicles/3/tracker_id', code: 'duplicate_tracker_id', values: { first: 0, index: 3 } },
    ]),
  ),

  page: example('A page with more to come', {
    vehicles: [presentVehicle(bmw), presentVehicle(targa)],
    next_cursor: encodeCursor(ids.targa),
    counts: { connected: 1, pending: 2, errors: 0, disconnected: 0 },
  }),
  badQuery: errorExample(
    'Unknown category, limit too high',
    thrownBy(() => parseListQuery({ category: 'broken', limit: '5000' })),
  ),

  vehicleWithChangelog: example('A connected BMW', {
    ...presentVehicle(bmw),
    changelog: presentChangelog([
      { timestamp: at('08:15:00.000'), status: 'pending', reason: 'fleet_registered' },
      { timestamp: at('08:20:03.000'), status: 'pending_validation', reason: 'fleet_validation_requested' },
      { timestamp: at('08:58:19.000'), status: 'pending_for_data', reason: 'oem_approved' },
      { timestamp: at('09:02:41.000'), status: 'connected', reason: 'oem_first_position' },
    ]),
  }),
  vehicleChanges: example('A corrected tracker id and new metadata', {
    tracker_id: 'TGA-358201',
    object_id: { vin: targa.vin, license_plate: 'M-KT 3' },
  }),
  vehicle: example(
    'The tracker after the change',
    presentVehicle({
      ...targa,
      trackerId: 'TGA-358201',
      objectId: { vin: targa.vin, license_plate: 'M-KT 3' },
    }),
  ),
  fieldNotChangeable: errorExample(
    'A field that cannot change',
    invalidRequest([{ pointer: '/provider', code: 'field_not_changeable', values: { field: 'provider' } }]),
  ),
  trackerIdLocked: errorExample('Tracker id already validated', notAllowed('tracker_id_locked', 'connected')),
  alreadyRegistered: errorExample('Tracker id taken', notAllowed('already_registered', 'pending')),

  validating: example('Sent to the provider', { id: ids.targa, validation_status: 'pending_validation' }),
  validationNotAllowed: errorExample('Already connected', notAllowed('validation_not_allowed', 'connected')),
  removed: example('Disconnected', { id: ids.bmw, validation_status: 'disconnected' }),
  removalNotAllowed: errorExample('Already ended', notAllowed('removal_not_allowed', 'error_rejected')),

  authorization: example(
    'Approved, data flowing',
    presentAuthorization(
      {
        id: 'clr_example',
        grantId: 'grant_example',
        accountId: 'acct_example',
        fleetId: null,
        clientId: 'app_pKhvn8BO8_OlhBOZ',
        brand: 'bmw',
        provider: 'bmw',
        vin: 'WBA8E9G50GNT12345',
        scopes: ['location', 'mileage'],
        status: 'connected',
        oemReference: null,
        lastEventAt: null,
        statusChangedAt: at('09:02:41.000'),
        createdAt: at('08:15:00.000'),
        authMethod: null,
        grantExpiresAt: null,
      },
      'openid location mileage',
      null,
      'https://keyturn.example',
    ),
  ),
  authorizationWithDetails: example(
    'Asked for with authorization_details, pending',
    presentAuthorization(
      {
        id: 'clr_example2',
        grantId: 'grant_example2',
        accountId: 'acct_example',
        fleetId: null,
        clientId: 'app_pKhvn8BO8_OlhBOZ',
        brand: 'bmw',
        provider: 'bmw',
        vin: 'WBA8E9G50GNT12345',
        scopes: ['mileage', 'battery_level'],
        status: 'pending',
        oemReference: null,
        lastEventAt: null,
        statusChangedAt: at('08:15:00.000'),
        createdAt: at('08:15:00.000'),
        authMethod: null,
        grantExpiresAt: null,
      },
      '',
      at('08:15:00.000'),
      'https://keyturn.example',
      [
        {
          type: 'vehicle_data',
          data_points: ['mileage', 'battery_level'],
          brand: 'bmw',
          vin: 'WBA8E9G50GNT12345',
        },
      ],
    ),
  ),

  fleetClearanceChanged: example('A tracker connected', {
    vehicle: { id: ids.targa, tracker_id: targa.trackerId, vin: targa.vin },
    event: { type: 'fleet_clearance_changed', received_at: '2026-05-04T09:02:41.000Z', action: 'automatic' },
    fleet: { id: ids.fleet },
    clearance: { status: 'connected' },
  }),
  authorizationChanged: example(
    'The owner approved',
    authorizationChangedBody(
      { vin: 'WBA8E9G50GNT12345', clientId: 'app_pKhvn8BO8_OlhBOZ', status: 'approved' },
      new Date(at('08:58:19.000')),
    ),
  ),
  vehicleEvent: example(
    'A position, to an app granted location',
    vehicleEventBody(
      {
        clientId: 'app_pKhvn8BO8_OlhBOZ',
        clearanceId: '3f2b8c1e-6d4a-4b7e-9c05-1a2b3c4d5e6f',
        vin: 'WBA8E9G50GNT12345',
        type: 'vehicle_location_changed',
        data: {
          latitude: 48.1772,
          longitude: 11.5562,
          heading: 270,
          vehicle_time: '2026-05-04T09:13:31.000Z',
        },
      },
      new Date(at('09:13:33.563')),
    ),
  ),
  appPing: example(
    'To an app',
    appPingBody({ clientId: 'app_pKhvn8BO8_OlhBOZ' }, new Date(at('09:20:00.000'))),
  ),
  fleetPing: example('To a fleet', fleetPingBody({ fleetId: ids.fleet }, new Date(at('09:20:00.000')))),
} satisfies Record<string, Example>;
