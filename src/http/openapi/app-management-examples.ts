// Example values of the app management API's operations, made by the code that makes the real ones (the
// presenters, the eligibility rule, the query's and body's parsers), with the English messages.

import { parseEligibilityRequest } from '../../app-api/eligibility-request.ts';
import { encodeCursor, parseListQuery } from '../../app-api/list-query.ts';
import { presentChangelog, presentClearance, presentEligibility } from '../../app-api/present.ts';
import { parseUsageQuery } from '../../app-api/usage-query.ts';
import { checkEligibility } from '../../domain/vehicles/eligibility.ts';
import { Conflict, InvalidInput, KeyturnError, NotFound } from '../../errors.ts';
import { translator } from '../../i18n/index.ts';
import type { Clearance } from '../../storage/clearances.ts';
import { errorExample, example, thrownBy } from './examples.ts';

const t = translator('en');
const at = (time: string) => Date.parse(`2026-05-04T${time}Z`);

export const exampleClearanceId = '3f2b8c1e-6d4a-4b7e-9c05-1a2b3c4d5e6f';

const connected: Clearance = {
  id: exampleClearanceId,
  grantId: 'grant_example',
  accountId: 'acct_example',
  fleetId: null,
  clientId: 'app_pKhvn8BO8_OlhBOZ',
  brand: 'bmw',
  provider: 'bmw',
  vin: 'WBA5R1C50KA123456',
  scopes: ['location', 'mileage'],
  status: 'connected',
  oemReference: null,
  lastEventAt: null,
  statusChangedAt: at('09:02:41.000'),
  createdAt: at('08:15:00.000'),
  authMethod: null,
  grantExpiresAt: null,
};
const pending: Clearance = {
  ...connected,
  id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  grantId: 'grant_example_2',
  vin: 'WMWXR3102JTL12345',
  brand: 'mini',
  status: 'pending_validation',
  statusChangedAt: at('10:20:07.000'),
  createdAt: at('10:20:05.000'),
};

const eligibilityOf = (vin: string, country: string) =>
  presentEligibility(checkEligibility({ vin, country, appBrands: ['bmw', 'mini'], currentYear: 2026 }), t);

export const appManagementExamples = {
  usage: example('A month with one capped vehicle', {
    month: '2026-05',
    currency: 'EUR',
    vehicles: [
      { vin: 'WBA5R1C50KA123456', events: 57, amount_cents: 669, capped: true },
      { vin: 'WMWXR3102JTL12345', events: 3, amount_cents: 36, capped: false },
    ],
    subtotal_cents: 705,
    discount_cents: 0,
    total_cents: 705,
  }),
  badMonth: errorExample(
    'No calendar month',
    thrownBy(() => parseUsageQuery({ month: '2026-13' })),
  ),
  page: example('A page with more to come', {
    clearances: [presentClearance(pending), presentClearance(connected)],
    next_cursor: encodeCursor(connected),
  }),
  badQuery: errorExample(
    'Unknown status, limit too high',
    thrownBy(() => parseListQuery({ status: 'approved', limit: '500' })),
  ),
  clearanceWithChangelog: example('A connected BMW', {
    ...presentClearance(connected),
    changelog: presentChangelog([
      { timestamp: at('08:15:00.000'), status: 'pending', reason: 'consent_given' },
      { timestamp: at('08:15:02.000'), status: 'pending_validation', reason: 'oem_accepted' },
      { timestamp: at('08:58:19.000'), status: 'pending_for_data', reason: 'oem_approved' },
      { timestamp: at('09:02:41.000'), status: 'connected', reason: 'oem_first_position' },
    ]),
  }),
  unknownClearance: errorExample(
    'Not a clearance of this app',
    new NotFound('unknown_clearance', { messageKey: 'app_api:errors.unknown_clearance' }),
  ),
  disconnected: example(
    'Disconnected',
    presentClearance({ ...connected, status: 'disconnected', statusChangedAt: at('11:30:00.000') }),
  ),
  disconnectNotAllowed: errorExample(
    'Already ended otherwise',
    new Conflict('disconnect_not_allowed', {
      messageKey: 'app_api:errors.disconnect_not_allowed',
      messageValues: { status: 'error_rejected' },
    }),
  ),

  eligibilityRequest: example('A BMW in Germany', { vin: 'WBA5R1C50KA123456', country: 'DE' }),
  eligible: example('Eligible', eligibilityOf('WBA5R1C50KA123456', 'DE')),
  possiblyEligible: example('Possibly eligible (model year 2017)', eligibilityOf('WBA8E9G50HNT12345', 'AT')),
  notEligible: example('Not offered in that market, and too old', eligibilityOf('WBA8E9G50GNT12345', 'US')),
  invalidVin: example('Not a VIN', eligibilityOf('WBA8E9G50GNT1234', 'DE')),
  invalidJson: errorExample(
    'The body is no JSON',
    new InvalidInput({ messageKey: 'app_api:errors.invalid_json' }),
  ),
  badEligibilityBody: errorExample(
    'No VIN string, a country in lowercase',
    thrownBy(() => parseEligibilityRequest({ vin: 17, country: 'de' })),
  ),
  jsonRequired: errorExample(
    'The body is not JSON',
    new KeyturnError(415, 'unsupported_media_type', { messageKey: 'app_api:errors.json_required' }),
  ),
  tooManyChecks: errorExample(
    'Too many checks',
    new KeyturnError(429, 'too_many_eligibility_checks', {
      messageKey: 'app_api:errors.too_many_eligibility_checks',
    }),
  ),
};
