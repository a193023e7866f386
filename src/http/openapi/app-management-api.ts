// The OpenAPI 3.1.0 path items of the app management API (see ../../app-api/router.ts): an app's owner
// clearances, the eligibility check and the usage statement, with the token of the app's client credentials.
import { defaultPageSize, maxPageSize } from '../../app-api/list-query.ts';
import { appManagementScope } from '../../authorization-server/clients.ts';
import { clearanceStatuses } from '../../domain/clearance/status.ts';
import { exampleClearanceId, appManagementExamples as examples } from './app-management-examples.ts';
import { errorResponse, json, jsonResponse, operationOf, queryParameter as query } from './responses.ts';
import type { Json } from './schemas.ts';

export const appManagementSecurity = [{ appClientCredentials: [appManagementScope] }];

const operation = operationOf('App management API', appManagementSecurity);

const clearanceId: Json = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The clearance’s id.',
  schema: { type: 'string' },
  example: exampleClearanceId,
};

const notFound = errorResponse(
  'Not an owner clearance of this app (another app’s, or a fleet’s vehicle, too).',
  examples.unknownClearance,
);

export const appManagementPaths: Record<string, Json> = {
  '/v1/clearances': {
    get: operation(
      'listClearances',
      'List the app’s clearances',
      'The clearances of the owners who consented to the app, newest first, filtered, a page at a time.',
      {
        parameters: [
          query('status', 'Only this clearance status.', { type: 'string', enum: [...clearanceStatuses] }),
          query('vin', 'Only this VIN (spaces and hyphens ignored, any case).', {
            type: 'string',
            maxLength: 64,
          }),
          query('limit', 'Clearances per page.', {
            type: 'integer',
            minimum: 1,
            maximum: maxPageSize,
            default: defaultPageSize,
          }),
          query('cursor', 'The `next_cursor` of the previous page.', { type: 'string' }),
        ],
        responses: {
          '200': jsonResponse('A page of clearances.', 'AppClearancePage', examples.page),
          '400': errorResponse(
            'A parameter is not valid or given twice; every problem is listed, `pointer` naming the parameter.',
            examples.badQuery,
          ),
        },
      },
    ),
  },
  '/v1/clearances/{id}': {
    get: operation('getClearance', 'Read a clearance', 'The clearance and every change of its status.', {
      parameters: [clearanceId],
      responses: {
        '200': jsonResponse('The clearance.', 'AppClearanceWithChangelog', examples.clearanceWithChangelog),
        '404': notFound,
      },
    }),
    delete: operation(
      'disconnectClearance',
      'Disconnect a clearance',
      'Ends the owner’s consent to the app: `disconnected`. The owner’s tokens stop working at once, the maker is asked to revoke its side, and the app’s `authorization_changed` webhook follows. Disconnecting it again answers 202 again and changes nothing; a clearance that ended otherwise (rejected, revoked at the maker) cannot be disconnected.',
      {
        parameters: [clearanceId],
        responses: {
          '202': jsonResponse('Disconnected; the maker is told.', 'AppClearance', examples.disconnected),
          '404': notFound,
          '409': errorResponse(
            'It ended otherwise (rejected, or revoked at the maker); its status stays.',
            examples.disconnectNotAllowed,
          ),
        },
      },
    ),
  },
  '/v1/eligibility': {
    post: operation(
      'checkEligibility',
      'Check a vehicle’s eligibility',
      'Whether an owner could connect this car through the app, before sending them to the journey: the VIN’s form, its brand (from the manufacturer code), the brand offered in the country, the app registered for the brand, and for BMW and MINI the model year (VIN position 10): their makers offer access for European models produced since July 2017, so model year 2018 and later is eligible, 2017 possibly (`model_year_uncertain`), earlier not. Nothing is stored.',
      {
        requestBody: { required: true, content: json('EligibilityRequest', examples.eligibilityRequest) },
        responses: {
          '200': jsonResponse(
            'The answer, with every reason that applies.',
            'Eligibility',
            examples.eligible,
            examples.possiblyEligible,
            examples.notEligible,
            examples.invalidVin,
          ),
          '400': errorResponse(
            'The body is no JSON object with a `vin` string and a `country` code; every problem is listed.',
            examples.invalidJson,
            examples.badEligibilityBody,
          ),
          '413': errorResponse('The body is over 16 kB.'),
          '415': errorResponse('The body is not `application/json`.', examples.jsonRequired),
          '429': {
            ...errorResponse('Too many checks by this app in a short time.', examples.tooManyChecks),
            headers: {
              'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer', minimum: 1 } },
            },
          },
        },
      },
    ),
  },
  '/v1/usage': {
    get: operation(
      'getUsage',
      'Read a month’s usage statement',
      'The vehicle events charged to the app in a calendar month (UTC): per vehicle the events, the amount (at most the monthly cap) and whether the cap applied; the subtotal, the volume discount and the total, in euro cents. Every figure is summed from the usage ledger.',
      {
        parameters: [
          {
            name: 'month',
            in: 'query',
            required: true,
            description: 'The calendar month, `YYYY-MM`.',
            schema: { type: 'string', pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$' },
            example: '2026-05',
          },
        ],
        responses: {
          '200': jsonResponse('The statement.', 'UsageStatement', examples.usage),
          '400': errorResponse(
            'No month, or not a calendar month `YYYY-MM`, or given twice.',
            examples.badMonth,
          ),
        },
      },
    ),
  },
};
