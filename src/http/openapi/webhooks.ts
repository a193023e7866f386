// The webhooks Keyturn sends, as OpenAPI 3.1.0 `webhooks`: status changes, vehicle events and test events,
// their bodies (see ../../webhooks/kinds.ts) and
// the Standard Webhooks signature headers (see ../../webhooks/deliver.ts).
import { type Example, examples } from './examples.ts';
import { json } from './responses.ts';
import type { Json } from './schemas.ts';

const header = (name: string, description: string, schema: Json): Json => ({
  name,
  in: 'header',
  required: true,
  description,
  schema: { type: 'string', ...schema },
});

const signatureHeaders = [
  header('webhook-id', 'The message id, the same on every retry: deduplicate on it.', {
    pattern: '^msg_keyturn_',
  }),
  header('webhook-timestamp', 'Unix seconds of this attempt.', { pattern: '^[0-9]+$' }),
  header(
    'webhook-signature',
    '`v1,` and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` keyed with the secret’s base64 part after `whsec_`; during a rotation two, space-separated.',
    { pattern: '^v1,[A-Za-z0-9+/=]+( v1,[A-Za-z0-9+/=]+)*$' },
  ),
];

const responses: Json = {
  '2XX': { description: 'Received. Anything else is retried with backoff.' },
  '410': { description: 'The endpoint is gone: Keyturn stops sending until an operator enables it again.' },
  default: { description: 'Not received: retried with backoff, the same `webhook-id` each time.' },
};

const webhook = (
  operationId: string,
  summary: string,
  description: string,
  schema: string,
  ...list: Example[]
): Json => ({
  post: {
    operationId,
    summary,
    description: `${description} Signed per Standard Webhooks: verify the raw body before parsing it.`,
    parameters: signatureHeaders,
    requestBody: { required: true, content: json(schema, ...list) },
    responses,
  },
});

export const webhooks: Record<string, Json> = {
  fleet_clearance_changed: webhook(
    'fleetClearanceChanged',
    'A fleet vehicle’s status changed',
    'Sent to the fleet’s webhook URL on every change of a vehicle’s validation status.',
    'FleetClearanceChanged',
    examples.fleetClearanceChanged,
  ),
  authorization_changed: webhook(
    'authorizationChanged',
    'An app’s authorization changed',
    'Sent to the app’s webhook URL when a token’s authorization status changes.',
    'AuthorizationChanged',
    examples.authorizationChanged,
  ),
  vehicle_event: webhook(
    'vehicleEvent',
    'A vehicle event the receiver subscribed to',
    'Sent to the webhook URL of the app (or fleet) holding an approved clearance, for each event type it subscribed to (`keyturn apps subscribe`, the Platform): `data` holds only the properties the owner’s grant covers. Each is charged once on the usage ledger; retries and replays are not.',
    'VehicleEvent',
    examples.vehicleEvent,
  ),
  ping: webhook(
    'ping',
    'A test event',
    'Sent on demand (`keyturn webhooks test`, or a fleet admin on the Platform) to try the endpoint. Free.',
    'Ping',
    examples.appPing,
    examples.fleetPing,
  ),
};
