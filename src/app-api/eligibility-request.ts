// The body of `POST /v1/eligibility`: a JSON object with `vin` (a string of at most 64 characters; whether
// it is a valid VIN is part of the answer) and `country` (ISO 3166-1 alpha-2, capitals). Other fields are
// ignored. Every problem is reported at once.
import { isCountryCode } from '../domain/countries.ts';
import { InvalidInput, type Problem } from '../errors.ts';

export interface EligibilityRequest {
  vin: string;
  country: string;
}

const maxVinInput = 64;

const problem = (pointer: string, code: string): Problem => ({
  pointer,
  code,
  messageKey: `app_api:problems.${code}`,
});

const refusal = (problems: Problem[]) =>
  new InvalidInput({ messageKey: 'app_api:errors.invalid_request', problems });

export function parseEligibilityRequest(body: unknown): EligibilityRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw refusal([problem('', 'body_required')]);
  const { vin, country } = body as Record<string, unknown>;
  const vinGiven = typeof vin === 'string' && vin.length <= maxVinInput;
  if (vinGiven && isCountryCode(country)) return { vin, country };
  throw refusal([
    ...(vinGiven ? [] : [problem('/vin', 'vin_required')]),
    ...(isCountryCode(country) ? [] : [problem('/country', 'invalid_country')]),
  ]);
}
