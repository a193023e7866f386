// RFC 7662 introspection for data consumers. Only a consumer may introspect (apps get {"active":false});
// a token is active only while its clearance lets data flow (§2.2: otherwise exactly {"active":false}).
// The status is read at introspection time, because it changes after the token was issued.
import type { Next } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { authorizationStatus, type ClearanceStatus, mayDataFlow } from '../domain/clearance/status.ts';
import type { Clearance } from '../storage/clearances.ts';
import { clientProperty } from './clients.ts';

export interface IntrospectionPolicy {
  allowed(
    ctx: KoaContextWithOIDC,
    client: { clientId: string; metadata(): Record<string, unknown> },
    token: { grantId?: string },
  ): Promise<boolean>;
  decorateResponse(ctx: KoaContextWithOIDC, next: Next): Promise<void>;
}

export function introspectionPolicy(
  findClearanceByGrant: (grantId: string) => Promise<Clearance | undefined>,
): IntrospectionPolicy {
  const approved = new WeakMap<object, Clearance>();
  return {
    async allowed(ctx, client, token) {
      if (clientProperty(client, 'keyturn_role') !== 'consumer' || !token.grantId) return false;
      const clearance = await findClearanceByGrant(token.grantId);
      if (!clearance || !mayDataFlow(clearance.status as ClearanceStatus)) return false;
      approved.set(ctx, clearance);
      return true;
    },
    async decorateResponse(ctx, next) {
      await next();
      if (ctx.oidc?.route !== 'introspection') return;
      const body = ctx.body as Record<string, unknown> | undefined;
      if (body?.active !== true) return;
      const clearance = approved.get(ctx);
      if (!clearance) {
        ctx.body = { active: false };
        return;
      }
      ctx.body = {
        ...body,
        authorization_status: authorizationStatus(clearance.status as ClearanceStatus),
        vehicle_status: clearance.status,
        vin: clearance.vin,
        brand: clearance.brand,
      };
    },
  };
}
