// Third-party apps (OAuth clients of the consent journey). Row type in snake_case, domain type in camelCase.
// An app is read on every token request and every journey page: `find` keeps it for ten seconds, and this
// repository's own writes forget it at once (another process's are seen within those ten seconds).
import type { Database } from '../db/index.ts';
import { ttlCache } from '../db/ttl-cache.ts';
import type { VehicleEventType } from '../domain/vehicle-events.ts';
import {
  eventTypesColumn,
  findWebhookSecrets,
  replaceWebhookSecrets,
  toEventTypes,
  toWebhookDisabled,
  toWebhookSecrets,
  type WebhookDisabled,
  type WebhookDisabledColumns,
  type WebhookSecretColumns,
  type WebhookSecrets,
  webhookDisabledColumns,
  webhookSecretColumns,
} from './webhook-secrets.ts';

/** How an app must authenticate and protect its tokens: `fapi2` is the FAPI 2.0 Security Profile. */
export const securityProfiles = ['default', 'fapi2'] as const;
export type SecurityProfile = (typeof securityProfiles)[number];

export interface App {
  clientId: string;
  clientSecretHash: string;
  name: string;
  redirectUris: string[];
  brands: string[];
  scopes: string[];
  logoUri: string | null;
  /** Links shown beside the app's name on the consent journey (null or absent: none registered). */
  privacyUrl?: string | null;
  termsUrl?: string | null;
  webhookUrl: string | null;
  webhookSecrets: WebhookSecrets;
  /** Set when the endpoint answered 410 Gone: nothing is delivered until an operator enables it again. */
  webhookDisabled: WebhookDisabled;
  /** The vehicle event types it receives (the free status webhooks always go out). */
  eventTypes: VehicleEventType[];
  /** Absent: the default profile. */
  securityProfile?: SecurityProfile;
  /** The public JSON Web Key Set of a `fapi2` app (RFC 7517), null otherwise. */
  jwks?: { keys: Record<string, unknown>[] } | null;
  createdAt: number;
}

interface AppRow extends WebhookSecretColumns, WebhookDisabledColumns {
  event_types: string;
  client_id: string;
  client_secret_hash: string;
  name: string;
  redirect_uris: string;
  brands: string;
  scopes: string;
  logo_uri: string | null;
  privacy_url: string | null;
  terms_url: string | null;
  webhook_url: string | null;
  security_profile: string | null;
  jwks: string | null;
  created_at: number;
}

const toApp = (row: AppRow): App => ({
  clientId: row.client_id,
  clientSecretHash: row.client_secret_hash,
  name: row.name,
  redirectUris: JSON.parse(row.redirect_uris),
  brands: JSON.parse(row.brands),
  scopes: JSON.parse(row.scopes),
  logoUri: row.logo_uri,
  privacyUrl: row.privacy_url,
  termsUrl: row.terms_url,
  webhookUrl: row.webhook_url,
  webhookSecrets: toWebhookSecrets(row),
  webhookDisabled: toWebhookDisabled(row),
  eventTypes: toEventTypes(row),
  securityProfile: row.security_profile === 'fapi2' ? 'fapi2' : 'default',
  jwks: row.jwks === null ? null : JSON.parse(row.jwks),
  createdAt: Number(row.created_at),
});

export function appsRepository(database: Database) {
  const table = () => database.query()<AppRow>('apps');
  const selectApp = database.readStatement<AppRow>('select * from apps where client_id = ?');
  const cache = ttlCache<App>();
  return {
    async insert(app: App): Promise<void> {
      cache.forget(app.clientId);
      await table().insert({
        client_id: app.clientId,
        client_secret_hash: app.clientSecretHash,
        name: app.name,
        redirect_uris: JSON.stringify(app.redirectUris),
        brands: JSON.stringify(app.brands),
        scopes: JSON.stringify(app.scopes),
        logo_uri: app.logoUri,
        privacy_url: app.privacyUrl ?? null,
        terms_url: app.termsUrl ?? null,
        webhook_url: app.webhookUrl,
        ...webhookSecretColumns(app.webhookSecrets),
        ...webhookDisabledColumns(app.webhookDisabled),
        ...eventTypesColumn(app.eventTypes),
        security_profile: app.securityProfile ?? 'default',
        jwks: app.jwks ? JSON.stringify(app.jwks) : null,
        created_at: app.createdAt,
      });
    },
    /** Deletes and re-inserts the app (used for the dev demo when its redirect URI changes). */
    async replace(app: App): Promise<void> {
      cache.forget(app.clientId);
      await table().where({ client_id: app.clientId }).delete();
      await this.insert(app);
    },
    find(clientId: string): Promise<App | undefined> {
      return cache.get(clientId, async () => {
        const row = await selectApp.get(clientId);
        return row ? toApp(row) : undefined;
      });
    },
    async list(): Promise<App[]> {
      return (await table().orderBy('created_at')).map(toApp);
    },
    async disableWebhook(clientId: string, reason: string, at = Date.now()): Promise<void> {
      cache.forget(clientId);
      await table().where({ client_id: clientId }).update(webhookDisabledColumns({ at, reason }));
    },
    /** Enables a disabled endpoint again; false when there is no such app. */
    async enableWebhook(clientId: string): Promise<boolean> {
      cache.forget(clientId);
      const updated = await table().where({ client_id: clientId }).update(webhookDisabledColumns(null));
      return updated === 1;
    },
    /** Makes `types` the vehicle event types the app receives; false when there is no such app. */
    async setEventTypes(clientId: string, types: readonly VehicleEventType[]): Promise<boolean> {
      cache.forget(clientId);
      const updated = await table().where({ client_id: clientId }).update(eventTypesColumn(types));
      return updated === 1;
    },
    /** The app's webhook signing secrets, read from the writer (a rotation reads them to replace them). */
    findWebhookSecrets(clientId: string): Promise<WebhookSecrets | undefined> {
      return findWebhookSecrets(database, 'apps', 'client_id', clientId);
    },
    /** Stores `next` if the app's current webhook secret is still `expected`; false otherwise. */
    replaceWebhookSecrets(clientId: string, expected: string, next: WebhookSecrets): Promise<boolean> {
      cache.forget(clientId);
      return replaceWebhookSecrets(database, 'apps', 'client_id', clientId, expected, next);
    },
  };
}

export type AppsRepository = ReturnType<typeof appsRepository>;
