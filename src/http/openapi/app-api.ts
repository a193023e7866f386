// The OpenAPI 3.1.0 path item of the app API, `GET /v1/authorization` (see
// ../../authorization-server/authorization-status.ts). A DPoP-bound token (RFC 9449) is presented as `DPoP`
// with its proof; refusals then carry a `DPoP` challenge.
import { translator } from '../../i18n/index.ts';
import { example, examples } from './examples.ts';
import { authenticatedResponses, errorResponse, jsonResponse } from './responses.ts';
import type { Json } from './schemas.ts';

/** RFC 9449 §7.1: a refusal of a token or a proof, with the scheme to use in `WWW-Authenticate`. */
const unauthorizedWithDpop: Json = {
  ...errorResponse(
    'No token, one that is expired or revoked, a DPoP-bound token sent as Bearer (`invalid_token`), or a DPoP proof that is missing, replayed or not made with the bound key for this request (`invalid_dpop_proof`).',
    examples.unauthorized,
    example('A DPoP proof that does not hold', {
      error: 'invalid_dpop_proof',
      error_description: translator('en')('dpop:proof.key'),
    }),
  ),
  headers: {
    'WWW-Authenticate': {
      description:
        'The scheme to use: `Bearer`, or for a DPoP-bound token `DPoP error="…", algs="…"` (RFC 9449 §7.1).',
      schema: { type: 'string', pattern: '^(Bearer|DPoP)' },
    },
    'Cache-Control': {
      description: 'Errors are never cached.',
      schema: { type: 'string', const: 'no-store' },
    },
  },
};

export const appPaths: Record<string, Json> = {
  '/v1/authorization': {
    get: {
      operationId: 'getAuthorization',
      summary: 'Read the token’s authorization',
      description:
        'The app’s own view of the authorization behind its access token, also while it is pending. Data consumers use token introspection instead.',
      tags: ['App API'],
      security: [{ appBearer: [] }, { appDPoP: [] }],
      responses: {
        '200': jsonResponse(
          'The authorization.',
          'Authorization',
          examples.authorization,
          examples.authorizationWithDetails,
        ),
        ...authenticatedResponses,
        '401': unauthorizedWithDpop,
      },
    },
  },
};
