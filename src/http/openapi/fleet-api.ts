// The OpenAPI 3.1.0 path items of the fleet API, `/v1/fleet/*` (see ../../fleet-api/router.ts): its
// operations, parameters, bodies and every status each can answer.
import { clearanceStatuses } from '../../domain/clearance/status.ts';
import { statusCategories } from '../../domain/fleet/categories.ts';
import { fleetProviderIds } from '../../domain/fleet/providers.ts';
import { defaultPageSize, maxPageSize } from '../../fleet-api/list-query.ts';
import { documentTypes, maxDocumentBytes } from '../../fleets/documents.ts';
import { maxBatchSize } from '../../fleets/register-vehicles.ts';
import { type Example, exampleDocumentId, examples, exampleVehicleId } from './examples.ts';
import { errorResponse, json, jsonResponse, operationOf, queryParameter as query } from './responses.ts';
import type { Json } from './schemas.ts';

export const fleetSecurity = [{ fleetClientCredentials: ['fleet:clearance'] }];

const operation = operationOf('Fleet API', fleetSecurity);

const pathId = (description: string, example: string): Json => ({
  name: 'id',
  in: 'path',
  required: true,
  description,
  schema: { type: 'string' },
  example,
});

const megabytes = `${maxDocumentBytes / (1024 * 1024)} MB`;
const vehicleId = pathId('The vehicle’s id.', exampleVehicleId);

const notFound = errorResponse(
  'Not a vehicle of this fleet (another fleet’s id too).',
  examples.unknownVehicle,
);
const jsonOnly = errorResponse('The body is not `application/json`.', examples.jsonRequired);
const tooLarge = (what: string, ...list: Example[]) => errorResponse(`${what} is too large.`, ...list);

export const fleetPaths: Record<string, Json> = {
  '/v1/fleet/documents': {
    post: operation(
      'uploadDocument',
      'Upload a document',
      `The image or PDF of a vehicle’s registration certificate, sent as the raw body (at most ${megabytes}). The type sent in \`Content-Type\` must be the type the file’s own first bytes prove. Use the id as \`registration_document_id\`.`,
      {
        requestBody: {
          required: true,
          description: `The file’s bytes: ${documentTypes.join(', ')}; at most ${maxDocumentBytes} bytes.`,
          content: Object.fromEntries(
            documentTypes.map((type) => [type, { schema: { type: 'string', contentMediaType: type } }]),
          ),
        },
        responses: {
          '201': {
            ...jsonResponse('Stored.', 'Document', examples.document),
            headers: {
              Location: {
                description: 'Where to read the document back.',
                schema: { type: 'string', format: 'uri-reference' },
              },
            },
          },
          '400': errorResponse('The body is empty.', examples.documentEmpty),
          '413': tooLarge(`The document (over ${megabytes})`, examples.documentTooLarge),
          '415': errorResponse(
            'The type is not accepted, or the bytes are not of the type sent.',
            examples.unsupportedDocument,
            examples.documentMismatch,
          ),
        },
      },
    ),
  },
  '/v1/fleet/documents/{id}': {
    get: operation(
      'downloadDocument',
      'Read a document back',
      'The bytes as uploaded, as an attachment, never cached.',
      {
        parameters: [pathId('The document’s id.', exampleDocumentId)],
        responses: {
          '200': {
            description: 'The document’s bytes, of the type it was stored as.',
            headers: {
              'Content-Disposition': { schema: { type: 'string', const: 'attachment' } },
              'Cache-Control': { schema: { type: 'string', const: 'private, no-store' } },
            },
            content: Object.fromEntries(
              documentTypes.map((type) => [type, { schema: { type: 'string', contentMediaType: type } }]),
            ),
          },
          '404': errorResponse('Not a document of this fleet.', examples.unknownDocument),
        },
      },
    ),
  },
  '/v1/fleet/vehicles': {
    post: operation(
      'registerVehicles',
      'Register vehicles and trackers',
      `A batch of 1 to ${maxBatchSize} items. Each item gets its own result, in order: the registered vehicle (\`created: false\` when the fleet already registered that provider and tracker id) or its problems; a bad item never stops the good ones. A body that is no such batch, or names one tracker twice, is refused whole and nothing is stored. New vehicles are \`pending\` until validated.`,
      {
        requestBody: { required: true, content: json('RegistrationBatch', examples.batch) },
        responses: {
          '200': jsonResponse('One result per item.', 'RegistrationResults', examples.batchResults),
          '400': errorResponse(
            'Not a batch of the right size, not JSON, or a tracker twice; every problem is listed.',
            examples.batchMissing,
            examples.batchTooLarge,
            examples.batchDuplicate,
          ),
          '413': tooLarge('The body (over 2 MB)'),
          '415': jsonOnly,
        },
      },
    ),
    get: operation(
      'listVehicles',
      'List vehicles',
      'The fleet’s vehicles in registration order, filtered, a page at a time, with the counts per status category of the whole fleet.',
      {
        parameters: [
          query('category', 'Only this status category.', { type: 'string', enum: [...statusCategories] }),
          query('status', 'Only this validation status.', { type: 'string', enum: [...clearanceStatuses] }),
          query('provider', 'Only this provider.', { type: 'string', enum: [...fleetProviderIds] }),
          query('q', 'A tracker id, VIN or licence plate, matched exactly (case and spaces ignored).', {
            type: 'string',
            minLength: 1,
            maxLength: 64,
          }),
          query('limit', 'Vehicles per page.', {
            type: 'integer',
            minimum: 1,
            maximum: maxPageSize,
            default: defaultPageSize,
          }),
          query('cursor', 'The `next_cursor` of the previous page.', { type: 'string' }),
        ],
        responses: {
          '200': jsonResponse('A page of vehicles.', 'VehiclePage', examples.page),
          '400': errorResponse(
            'A parameter is not valid or given twice; every problem is listed, `pointer` naming the parameter.',
            examples.badQuery,
          ),
        },
      },
    ),
  },
  '/v1/fleet/vehicles/{id}': {
    get: operation('getVehicle', 'Read a vehicle', 'The vehicle and every change of its status.', {
      parameters: [vehicleId],
      responses: {
        '200': jsonResponse('The vehicle.', 'VehicleWithChangelog', examples.vehicleWithChangelog),
        '404': notFound,
      },
    }),
    patch: operation(
      'updateVehicle',
      'Change a vehicle',
      '`object_id` and `odometer` at any time; the tracker id only before validation or after the provider did not know it (`wrong_tracker_id`).',
      {
        parameters: [vehicleId],
        requestBody: { required: true, content: json('VehicleChanges', examples.vehicleChanges) },
        responses: {
          '200': jsonResponse('The changed vehicle.', 'Vehicle', examples.vehicle),
          '400': errorResponse('A field is not valid or cannot change.', examples.fieldNotChangeable),
          '404': notFound,
          '409': errorResponse(
            'The status does not allow a new tracker id, or another vehicle of the fleet has it.',
            examples.trackerIdLocked,
            examples.alreadyRegistered,
          ),
          '413': tooLarge('The body (over 2 MB)'),
          '415': jsonOnly,
        },
      },
    ),
    delete: operation(
      'removeVehicle',
      'Remove a vehicle',
      'Ends its clearance: `disconnected`; the provider is asked to revoke its side. The vehicle stays readable. Removing it again answers 202 again; a vehicle that ended otherwise (rejected, revoked at the provider) cannot be removed.',
      {
        parameters: [vehicleId],
        responses: {
          '202': jsonResponse('Removed; the provider is told.', 'StatusChange', examples.removed),
          '404': notFound,
          '409': errorResponse(
            'It ended otherwise (rejected, or revoked at the provider).',
            examples.removalNotAllowed,
          ),
        },
      },
    ),
  },
  '/v1/fleet/vehicles/{id}/validate': {
    post: operation(
      'validateVehicle',
      'Validate a vehicle',
      'Asks the provider to connect it: from `pending` or a retryable error to `pending_validation`. Asked again while that runs, nothing new is sent. A car maker asks the fleet’s admin; a tracker pairs by itself.',
      {
        parameters: [vehicleId],
        responses: {
          '202': jsonResponse('Requested.', 'StatusChange', examples.validating),
          '404': notFound,
          '409': errorResponse('Its status does not allow validation.', examples.validationNotAllowed),
        },
      },
    ),
  },
};
