// `keyturn/client`: a typed client for apps (consent, status, management API), data consumers
// (introspection), fleets (the fleet API) and webhook receivers (Standard Webhooks verification).
export { createKeyturnApp, type KeyturnApp, type KeyturnAppOptions } from './app.ts';
export type { AuthorizationRequest, AuthorizationUrlOptions, PendingAuthorization } from './authorization.ts';
export { createDataConsumer, type DataConsumer } from './data-consumer.ts';
export type { ClientCredentials } from './discovery.ts';
export {
  AuthorizationError,
  KeyturnApiError,
  WebhookVerificationError,
  type WebhookVerificationFailure,
} from './errors.ts';
export { createFleetClient, type FleetClient, type FleetClientOptions } from './fleet.ts';
export type { ManagementApi } from './management.ts';
export type * from './types.ts';
export type * from './webhook-types.ts';
export { webhookTypes } from './webhook-types.ts';
export {
  type VerifyWebhookOptions,
  verifyWebhook,
  type WebhookHeaders,
  webhookToleranceSeconds,
} from './webhooks.ts';
