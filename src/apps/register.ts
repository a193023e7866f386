// Registering third-party apps and data consumers (used by the `keyturn` CLI and the dev demo).
// Redirect URIs must be https, or http on a loopback host (RFC 8252 §7.3); no fragments (RFC 6749 §3.1.2).
// A webhook URL must be a target the webhook target guard accepts under the configured policy.
// An app of the FAPI 2.0 Security Profile registers its public signing keys instead of getting a secret.
import { jwksProblems } from '../authorization-server/security-profile-jwks.ts';
import { isDataPoint } from '../domain/data-points.ts';
import { isVehicleEventType, type VehicleEventType, vehicleEventTypes } from '../domain/vehicle-events.ts';
import { isBrandId } from '../domain/vehicles/brands.ts';
import { InvalidInput } from '../errors.ts';
import { hashSecret, randomToken } from '../security/secrets.ts';
import type { App, AppsRepository } from '../storage/apps.ts';
import type { ConsumersRepository } from '../storage/consumers.ts';
import { freshWebhookSecrets } from '../webhooks/signing-secrets.ts';
import { type TargetPolicy, webhookUrlProblems } from '../webhooks/target-guard.ts';

export interface AppRegistration {
  name: string;
  redirectUris: string[];
  brands: string[];
  scopes: string[];
  logoUri?: string;
  webhookUrl?: string;
  /** The vehicle event types it receives (none unless asked for: each one delivered is charged). */
  eventTypes?: string[];
}

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

export function redirectUriProblem(value: string): string | undefined {
  const url = parseUrl(value);
  if (!url) return `redirect URI ${value} is not an absolute URL`;
  // A bare trailing '#' is an empty fragment, still a fragment: `url.hash` is '' for it, `href` keeps it.
  if (url.href.includes('#')) return `redirect URI ${value} must not contain a fragment`;
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && loopbackHosts.has(url.hostname)) return undefined;
  return `redirect URI ${value} must use https (http only on a loopback host)`;
}

/** Every problem with a registration other than where its webhook goes, in words an operator can act on. */
export function registrationProblems(input: AppRegistration): string[] {
  const problems: string[] = [];
  if (!input.name.trim()) problems.push('name must not be empty');
  if (input.redirectUris.length === 0) problems.push('at least one --redirect-uri is required');
  for (const uri of input.redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem) problems.push(problem);
  }
  if (input.brands.length === 0) problems.push('at least one --brand is required');
  for (const brand of input.brands) if (!isBrandId(brand)) problems.push(`unknown brand ${brand}`);
  if (input.scopes.length === 0) problems.push('at least one --scope (data point) is required');
  for (const scope of input.scopes) if (!isDataPoint(scope)) problems.push(`unknown data point ${scope}`);
  problems.push(...eventTypeProblems(input.eventTypes ?? []));
  if (input.logoUri !== undefined && parseUrl(input.logoUri)?.protocol !== 'https:')
    problems.push('logo URI must be an https URL');
  return problems;
}

export interface RegisteredApp {
  client_id: string;
  client_secret: string;
  webhook_secret: string;
}

/** A FAPI 2.0 app authenticates with its keys (`private_key_jwt`): it gets no client secret. */
export interface RegisteredFapi2App {
  client_id: string;
  security_profile: 'fapi2';
  webhook_secret: string;
}

/** Every problem with the public key set of a FAPI 2.0 app, in words an operator can act on. */
export const fapi2KeyProblems = (jwks: unknown): string[] =>
  jwksProblems(jwks).map((problem) => `--jwks: ${problem}`);

/** Registers an app; `webhookTargets` is where webhooks may go (configuration's `webhooks`). */
export async function registerApp(
  apps: AppsRepository,
  input: AppRegistration,
  webhookTargets: TargetPolicy,
  clientId = `app_${randomToken(12)}`,
): Promise<RegisteredApp> {
  const clientSecret = randomToken(32);
  const app = await insertApp(apps, input, webhookTargets, { clientId, clientSecret, jwks: null });
  return { client_id: clientId, client_secret: clientSecret, webhook_secret: app.webhookSecrets.current };
}

/**
 * Registers an app of the FAPI 2.0 Security Profile with its public signing keys (`jwks`, checked here): it
 * must push its authorization requests, sign its client assertions and bind its tokens with DPoP.
 */
export async function registerFapi2App(
  apps: AppsRepository,
  input: AppRegistration,
  jwks: unknown,
  webhookTargets: TargetPolicy,
  clientId = `app_${randomToken(12)}`,
): Promise<RegisteredFapi2App> {
  // No secret is ever handed out; the stored hash is of one nobody holds, and it is never offered to the
  // authorization server as this client's `client_secret`.
  const credentials = { clientId, clientSecret: randomToken(32), jwks };
  const app = await insertApp(apps, input, webhookTargets, credentials);
  return { client_id: clientId, security_profile: 'fapi2', webhook_secret: app.webhookSecrets.current };
}

async function insertApp(
  apps: AppsRepository,
  input: AppRegistration,
  webhookTargets: TargetPolicy,
  credentials: { clientId: string; clientSecret: string; jwks: unknown },
): Promise<App> {
  const { clientId, clientSecret, jwks } = credentials;
  const problems = registrationProblems(input);
  if (jwks !== null) problems.push(...fapi2KeyProblems(jwks));
  if (input.webhookUrl !== undefined)
    problems.push(...(await webhookUrlProblems(input.webhookUrl, webhookTargets)));
  if (problems.length > 0)
    throw new InvalidInput({
      messageKey: 'errors:invalid_input',
      messageValues: { problems },
      cause: problems.join('; '),
    });
  const webhookSecrets = freshWebhookSecrets();
  const app: App = {
    clientId,
    clientSecretHash: hashSecret(clientSecret),
    name: input.name.trim(),
    redirectUris: [...new Set(input.redirectUris)],
    brands: [...new Set(input.brands)],
    scopes: [...new Set(input.scopes)],
    logoUri: input.logoUri ?? null,
    webhookUrl: input.webhookUrl ?? null,
    webhookDisabled: null,
    webhookSecrets,
    eventTypes: checkedEventTypes(input.eventTypes ?? []),
    securityProfile: jwks === null ? 'default' : 'fapi2',
    jwks: jwks === null ? null : (jwks as App['jwks']),
    createdAt: Date.now(),
  };
  await apps.insert(app);
  return app;
}

export async function registerConsumer(
  consumers: ConsumersRepository,
  name: string,
): Promise<{ client_id: string; client_secret: string }> {
  if (!name.trim()) throw new InvalidInput({ cause: 'name must not be empty' });
  const clientId = `consumer_${randomToken(12)}`;
  const clientSecret = randomToken(32);
  await consumers.insert({
    clientId,
    clientSecretHash: hashSecret(clientSecret),
    name: name.trim(),
    createdAt: Date.now(),
  });
  return { client_id: clientId, client_secret: clientSecret };
}

/** What is wrong with a list of event types to subscribe to, in words an operator can act on. */
export function eventTypeProblems(types: readonly string[]): string[] {
  return types
    .filter((type) => !isVehicleEventType(type))
    .map((type) => `unknown event type ${type} (one of ${vehicleEventTypes.join(', ')})`);
}

/** The event types of a checked list (see eventTypeProblems). */
export const checkedEventTypes = (types: readonly string[]): VehicleEventType[] =>
  types.filter(isVehicleEventType);
