// RFC 7662 token introspection for data consumers, served by Keyturn itself: one prepared statement reads
// the token, its grant and its clearance together, and the status is read at introspection time because
// it changes after the token was issued. Only consumers may introspect; an app gets {"active":false}.
// A token is active only while its clearance lets data flow (§2.2: otherwise exactly {"active":false}).
// An active DPoP-bound token (RFC 9449 §6.2) is answered with `token_type: DPoP` and `cnf.jkt`, the
// thumbprint of its key, which a resource checks against the proof it received. A token granted as
// authorization details (RFC 9396 §9.2) is answered with them, each with the authorization's status now.
import { parse as parseQuery } from 'node:querystring';
import type { Context } from 'koa';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { authorizationStatus, mayDataFlow } from '../domain/clearance/status.ts';
import { detailsWithStatus } from '../domain/vehicle-data-details.ts';
import type { LabelledCounter } from '../metrics/registry.ts';
import type { IntrospectionRow } from '../storage/oidc-payloads.ts';
import { readRawBody } from '../web/raw-body.ts';
import type { ClientLoader } from './adapter.ts';
import { authenticateClient, presentedCredentials } from './client-credentials.ts';

export const introspectionPath = '/token/introspection';
const maxBodyBytes = 8 * 1024;

export interface IntrospectionDependencies {
  issuer: string;
  loadClient: ClientLoader;
  findToken(model: 'AccessToken' | 'RefreshToken', token: string): Promise<IntrospectionRow | undefined>;
  /** Counts the answers to authenticated clients: `active` or `inactive`. */
  outcomes?: LabelledCounter<'outcome'>;
}

interface TokenPayload {
  kind?: string;
  clientId?: string;
  accountId?: string;
  exp?: number;
  iat?: number;
  scope?: string;
  /** The RFC 7638 thumbprint of the key a DPoP-bound token is bound to. */
  jkt?: string;
  /** The authorization details granted (RFC 9396). */
  rar?: Record<string, unknown>[];
}

function tokenBinding(payload: TokenPayload) {
  if (payload.kind !== 'AccessToken') return {};
  return payload.jkt ? { token_type: 'DPoP', cnf: { jkt: payload.jkt } } : { token_type: 'Bearer' };
}

function oauthError(ctx: Context, status: number, error: string, description: string) {
  ctx.status = status;
  ctx.body = { error, error_description: description };
  if (status === 401) ctx.set('WWW-Authenticate', 'Basic realm="keyturn"');
}

async function formBody(ctx: Context): Promise<Record<string, unknown> | undefined> {
  if (!ctx.is('application/x-www-form-urlencoded')) return undefined;
  const text = await readRawBody(ctx, maxBodyBytes);
  return text === undefined ? undefined : parseQuery(text);
}

const inactive = () => ({ active: false });

function activeAnswer(row: IntrospectionRow, payload: TokenPayload, issuer: string, now: number) {
  if (row.expires_at !== null && row.expires_at <= now) return undefined;
  if (payload.exp !== undefined && payload.exp * 1000 <= now) return undefined;
  if (payload.kind === 'RefreshToken' && row.consumed_at !== null) return undefined;
  if (row.grant_expires_at !== null && row.grant_expires_at <= now) return undefined;
  if (payload.clientId !== row.client_id || payload.accountId !== row.account_id) return undefined;
  const status = row.status;
  if (!mayDataFlow(status)) return undefined;
  return {
    active: true,
    client_id: payload.clientId,
    sub: payload.accountId,
    scope: payload.scope ?? '',
    exp: payload.exp,
    iat: payload.iat,
    iss: issuer,
    ...tokenBinding(payload),
    authorization_status: authorizationStatus(status),
    vehicle_status: status,
    vin: row.vin,
    brand: row.brand,
    ...(payload.rar?.length ? { authorization_details: detailsWithStatus(payload.rar, status) } : {}),
  };
}

export function introspectionEndpoint(deps: IntrospectionDependencies) {
  // Served ahead of the page middleware and its error handler: a database that cannot be reached is
  // answered here, as JSON, with Retry-After.
  return async function introspect(ctx: Context) {
    try {
      await answer(ctx);
      const active = (ctx.body as { active?: unknown } | undefined)?.active;
      if (typeof active === 'boolean') deps.outcomes?.inc({ outcome: active ? 'active' : 'inactive' });
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      ctx.set('Retry-After', '1');
      oauthError(ctx, 503, 'temporarily_unavailable', 'the token store cannot be reached; try again');
    }
  };

  async function answer(ctx: Context) {
    ctx.set('Cache-Control', 'no-store');
    if (ctx.method !== 'POST') return oauthError(ctx, 405, 'invalid_request', 'use POST');
    const body = await formBody(ctx);
    if (!body)
      return oauthError(
        ctx,
        400,
        'invalid_request',
        'send an application/x-www-form-urlencoded body of at most 8 KiB',
      );
    const credentials = presentedCredentials(ctx.get('authorization') || undefined, body);
    if (credentials === 'missing')
      return oauthError(ctx, 401, 'invalid_client', 'client authentication is required');
    if (credentials === 'malformed')
      return oauthError(ctx, 400, 'invalid_request', 'client credentials are malformed');
    const client = await authenticateClient(deps.loadClient, credentials);
    if (!client) return oauthError(ctx, 401, 'invalid_client', 'client authentication failed');
    const token = body.token;
    if (typeof token !== 'string' || token.length === 0)
      return oauthError(ctx, 400, 'invalid_request', 'missing required parameter token');
    ctx.type = 'json';
    if (client.role !== 'consumer' || token.length > 512) {
      ctx.body = inactive();
      return;
    }
    const order: Array<'AccessToken' | 'RefreshToken'> =
      body.token_type_hint === 'refresh_token'
        ? ['RefreshToken', 'AccessToken']
        : ['AccessToken', 'RefreshToken'];
    const now = Date.now();
    for (const model of order) {
      const row = await deps.findToken(model, token);
      if (!row) continue;
      ctx.body = activeAnswer(row, JSON.parse(row.payload) as TokenPayload, deps.issuer, now) ?? inactive();
      return;
    }
    ctx.body = inactive();
  }
}
