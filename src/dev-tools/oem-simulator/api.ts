// The simulated maker's clearance API, called by Keyturn's OEM connector:
// POST /:provider/clearances (Idempotency-Key required), GET and DELETE /:provider/clearances/:id.
// Every call carries `Authorization: Bearer <the provider's API key>`.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type RouterContext } from '@koa/router';
import type { Next } from 'koa';
import { z } from 'zod';
import type { ClearanceRequest, Simulation } from './commands.ts';
import { invalidRequest, notFound, unauthorized } from './errors.ts';
import type { Faults } from './faults.ts';
import type { SimulatedClearance } from './store.ts';

const vinPattern = /^[A-HJ-NPR-Z0-9]{17}$/i;

const clearanceRequestSchema = z
  .object({
    clearance_id: z.string().min(1).max(200),
    // '' for a fleet's tracker known only by its device id.
    vin: z.union([
      z.literal(''),
      z.string().regex(vinPattern, 'must be 17 letters and digits without I, O or Q'),
    ]),
    tracker_id: z.string().min(1).max(64).optional(),
    brand: z.string().trim().min(1).max(100),
    data_points: z.array(z.string().trim().min(1).max(100)).min(1).max(100),
    callback_url: z.url({ protocol: /^https?$/ }),
    // Deliberately loose: the maker only needs somewhere to send its mail.
    primary_user_hint: z.string().regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address'),
    locale: z.enum(['en', 'de']).optional(),
    app_name: z.string().trim().min(1).max(200).optional(),
  })
  .refine((request) => request.vin !== '' || request.tracker_id !== undefined, {
    path: ['vin'],
    message: 'a VIN is required unless a tracker_id is given',
  });

function parseClearanceRequest(body: unknown): ClearanceRequest {
  const parsed = clearanceRequestSchema.safeParse(body);
  if (!parsed.success) {
    throw invalidRequest(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '),
    );
  }
  const input = parsed.data;
  return {
    clearanceId: input.clearance_id,
    vin: input.vin.toUpperCase(),
    trackerId: input.tracker_id ?? input.vin.toUpperCase(),
    brand: input.brand,
    dataPoints: input.data_points,
    callbackUrl: input.callback_url,
    primaryUserHint: input.primary_user_hint,
    locale: input.locale ?? 'en',
    appName: input.app_name,
  };
}

function presentClearance(clearance: SimulatedClearance) {
  return {
    id: clearance.id,
    status: clearance.status,
    clearance_id: clearance.clearanceId,
    vin: clearance.vin,
    tracker_id: clearance.trackerId,
    brand: clearance.brand,
    data_points: clearance.dataPoints,
    app_name: clearance.appName ?? null,
    locale: clearance.locale,
    created_at: clearance.createdAt.toISOString(),
    updated_at: clearance.updatedAt.toISOString(),
  };
}

const digest = (value: string) => createHash('sha256').update(value).digest();

export function clearanceApi(deps: {
  providers: Record<string, { apiKey: string }>;
  simulation: Simulation;
  faults: Faults;
}): Router {
  const { providers, simulation } = deps;

  async function authenticate(ctx: RouterContext, next: Next): Promise<void> {
    ctx.state.errorSurface = 'json';
    const provider = ctx.params.provider ?? '';
    const config = Object.hasOwn(providers, provider) ? providers[provider] : undefined;
    if (!config) throw notFound();
    const presented = /^Bearer (.+)$/i.exec(ctx.get('authorization'))?.[1]?.trim() ?? '';
    if (!timingSafeEqual(digest(presented), digest(config.apiKey))) throw unauthorized();
    await next();
  }

  async function requireIdempotencyKey(ctx: RouterContext, next: Next): Promise<void> {
    const key = ctx.get('idempotency-key').trim();
    if (!key) throw invalidRequest('the Idempotency-Key header is required');
    if (key.length > 255) throw invalidRequest('the Idempotency-Key header is longer than 255 characters');
    ctx.state.idempotencyKey = key;
    await next();
  }

  async function createClearance(ctx: RouterContext): Promise<void> {
    if (!ctx.is('application/json')) throw invalidRequest('expected a JSON body');
    const request = parseClearanceRequest(ctx.request.body);
    const response = await simulation.requestClearance(
      ctx.params.provider!,
      ctx.state.idempotencyKey,
      request,
    );
    ctx.status = response.status;
    ctx.body = response.body;
  }

  async function showClearance(ctx: RouterContext): Promise<void> {
    ctx.body = presentClearance(simulation.find(ctx.params.provider!, ctx.params.id!));
  }

  async function cancelClearance(ctx: RouterContext): Promise<void> {
    simulation.cancel(ctx.params.provider!, ctx.params.id!);
    ctx.status = 204;
  }

  const faults = deps.faults.middleware;
  return new Router()
    .post('/:provider/clearances', faults, authenticate, requireIdempotencyKey, createClearance)
    .get('/:provider/clearances/:id', faults, authenticate, showClearance)
    .delete('/:provider/clearances/:id', faults, authenticate, cancelClearance);
}
