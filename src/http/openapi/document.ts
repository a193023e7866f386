// Keyturn's OpenAPI 3.1.0 document (schemas in JSON Schema 2020-12): the app API, the app management API,
// the fleet API and the webhooks, assembled for one issuer.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appManagementScope, fleetClearanceScope } from '../../authorization-server/clients.ts';
import { projectRoot } from '../../paths.ts';
import { appPaths } from './app-api.ts';
import { appManagementPaths } from './app-management-api.ts';
import { fleetPaths } from './fleet-api.ts';
import { sharedResponses } from './responses.ts';
import { type Json, schemas } from './schemas.ts';
import { webhooks } from './webhooks.ts';

const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as {
  version: string;
};

export function openApiDocument(issuer: string): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Keyturn API',
      version,
      summary: 'Consent broker for connected-vehicle data.',
      description:
        'The app API (an app reads the authorization behind its token), the app management API (an app lists and disconnects its owners’ clearances and checks a vehicle’s eligibility), the fleet API (a fleet registers, validates and removes its vehicles and trackers) and the webhooks Keyturn sends to both. Errors are `{error, error_description}`, with `problems` when several things are wrong at once.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: issuer }],
    tags: [
      { name: 'App API', description: 'For apps, with the access token of an owner’s consent.' },
      { name: 'App management API', description: 'For apps, with a token from their client credentials.' },
      { name: 'Fleet API', description: 'For fleets, with a token from their client credentials.' },
    ],
    paths: { ...appPaths, ...appManagementPaths, ...fleetPaths },
    webhooks,
    components: {
      schemas,
      responses: sharedResponses,
      securitySchemes: {
        appBearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'The app’s access token from the authorization code flow.',
        },
        appDPoP: {
          type: 'http',
          scheme: 'DPoP',
          description:
            'The app’s DPoP-bound access token (RFC 9449), with a `DPoP` header holding a fresh proof (`htm`, `htu`, `iat`, a unique `jti`, `ath`) signed by the bound key. Required of FAPI 2.0 apps; a default app’s token is bound when it redeemed its code with a proof.',
        },
        appClientCredentials: {
          type: 'oauth2',
          description: 'The app’s client credentials (HTTP Basic at the token endpoint).',
          flows: {
            clientCredentials: {
              tokenUrl: '/token',
              scopes: {
                [appManagementScope]: 'Read and disconnect the app’s owner clearances; check eligibility.',
              },
            },
          },
        },
        fleetClientCredentials: {
          type: 'oauth2',
          description: 'The fleet’s client credentials (HTTP Basic at the token endpoint).',
          flows: {
            clientCredentials: {
              tokenUrl: '/token',
              scopes: { [fleetClearanceScope]: 'Register and manage the fleet’s own vehicles.' },
            },
          },
        },
      },
    },
  };
}
