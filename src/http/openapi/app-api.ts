// The OpenAPI 3.1.0 path item of the app API, `GET /v1/authorization` (see
// ../../authorization-server/authorization-status.ts).
import { examples } from './examples.ts';
import { authenticatedResponses, jsonResponse } from './responses.ts';
import type { Json } from './schemas.ts';

export const appPaths: Record<string, Json> = {
  '/v1/authorization': {
    get: {
      operationId: 'getAuthorization',
      summary: 'Read the token’s authorization',
      description:
        'The app’s own view of the authorization behind its access token, also while it is pending. Data consumers use token introspection instead.',
      tags: ['App API'],
      security: [{ appBearer: [] }],
      responses: {
        '200': jsonResponse('The authorization.', 'Authorization', examples.authorization),
        ...authenticatedResponses,
      },
    },
  },
};
