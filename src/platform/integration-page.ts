// The Platform's Integration page (/platform/integration), for a fleet's admins only (behind requireAdmin
// of ./fleet-user.ts: a member gets 403):
// the fleet API's credentials with a client secret rotation that keeps the previous secret working for a
// while, the webhook URL (checked by the same target guard as `keyturn fleets add`), the webhook signing
// secret's rotation, the vehicle events the fleet receives (each one charged), the delivery log with a
// replay per delivery, and a signed test event. A new secret is
// shown once, in the answer to the POST that made it (never in a redirect, never logged); every other
// change answers 303 back to the page with a notice.
import type { Context } from 'koa';
import { checkedEventTypes, eventTypeProblems } from '../apps/register.ts';
import { vehicleEventTypes } from '../domain/vehicle-events.ts';
import { InvalidInput, NotFound } from '../errors.ts';
import { rotateFleetClientSecret } from '../fleets/rotate-client-secret.ts';
import type { OutboxStore } from '../outbox/store.ts';
import type { RateLimit } from '../security/rate-limits.ts';
import type { Fleet, FleetsRepository } from '../storage/fleets.ts';
import type { WebhookDeliveriesRepository } from '../storage/webhook-deliveries.ts';
import type { Pricing } from '../usage/pricing.ts';
import { render } from '../web/views.ts';
import { fleetPingJob } from '../webhooks/kinds.ts';
import { defaultOverlapSeconds, rotateWebhookSecret } from '../webhooks/signing-secrets.ts';
import { type TargetPolicy, webhookUrlProblems, webhookUrlShapeProblem } from '../webhooks/target-guard.ts';
import { fleetUser } from './fleet-user.ts';

export interface IntegrationPageDependencies {
  fleets: FleetsRepository;
  outbox: OutboxStore;
  deliveries: WebhookDeliveriesRepository;
  /** Where webhooks may go (the configuration's `webhooks`, as for `keyturn fleets add`). */
  webhookTargets: TargetPolicy;
  /** Test events per fleet (see `testEventAllowance`). */
  testEvents: RateLimit;
  /** What vehicle events cost (shown beside the choice). */
  pricing: Pricing;
}

export const integrationPage = '/platform/integration';
const view = 'platform/integration.njk';

/** How many test events a fleet may send: a handful to try an endpoint, not a way to flood one. */
export const testEventAllowance = { points: 10, windowSeconds: 3600 };

/** How long a previous secret may keep working, as the page offers it (seconds). */
const overlapChoices = [
  { name: 'none', seconds: 0 },
  { name: 'hour', seconds: 3600 },
  { name: 'day', seconds: 86_400 },
  { name: 'week', seconds: 7 * 86_400 },
];

/** The notices a redirect back to the page may ask for (`?done=`). */
const notices = new Set([
  'webhook_url_saved',
  'webhook_url_removed',
  'webhook_enabled',
  'test_event_sent',
  'replayed',
  'overlap_ended',
  'events_saved',
]);

const longestWebhookUrl = 2000;

/** What is wrong with `url` as the fleet's webhook URL, as the key of a localized message; undefined if nothing. */
async function webhookUrlProblem(url: string, policy: TargetPolicy): Promise<string | undefined> {
  if (url.length > longestWebhookUrl) return 'platform_integration:url_problems.too_long';
  // The guard decides; its reason (in English, for operators) is only sorted into the page's words here.
  if (webhookUrlShapeProblem(url, policy) !== undefined) {
    if (!URL.canParse(url)) return 'platform_integration:url_problems.invalid';
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:'
      ? 'platform_integration:url_problems.https_required'
      : 'platform_integration:url_problems.scheme';
  }
  if ((await webhookUrlProblems(url, policy)).length > 0)
    return 'platform_integration:url_problems.not_public';
  return undefined;
}

const isoTime = (epochMs: number) => new Date(epochMs).toISOString();

const euros = (locale: unknown, cents: number) =>
  new Intl.NumberFormat(locale === 'de' ? 'de-DE' : 'en-GB', { style: 'currency', currency: 'EUR' }).format(
    cents / 100,
  );

/** The event types a form posted (one checkbox: a string; several: an array; none: absent). */
function postedEventTypes(ctx: Context): string[] {
  const raw = ((ctx.request.body ?? {}) as Record<string, unknown>).event_types;
  if (raw === undefined) return [];
  const values = Array.isArray(raw) ? raw : [raw];
  return values.map(String);
}

export function integrationPageHandlers(deps: IntegrationPageDependencies) {
  /** The signed-in admin's fleet as stored now (a change made by this request included). */
  async function fleetOf(ctx: Context): Promise<Fleet> {
    const fleet = await deps.fleets.find(fleetUser(ctx).fleet.id);
    if (!fleet) throw new NotFound();
    return fleet;
  }

  function overlapOf(ctx: Context): number {
    const raw = ((ctx.request.body ?? {}) as Record<string, unknown>).overlap;
    const choice = overlapChoices.find((candidate) => String(candidate.seconds) === raw);
    if (!choice) throw new InvalidInput();
    return choice.seconds;
  }

  async function show(ctx: Context, extra: Record<string, unknown> = {}, status = 200) {
    const fleet = await fleetOf(ctx);
    const now = Date.now();
    const previousClient = fleet.previousClientSecret;
    const { previous, previousExpiresAt } = fleet.webhookSecrets;
    const deliveries = await deps.deliveries.list({ clientId: fleet.clientId, limit: 50 });
    const done =
      typeof ctx.query.done === 'string' && notices.has(ctx.query.done) ? ctx.query.done : undefined;
    render(
      ctx,
      view,
      {
        fleet: { name: fleet.name, isAdmin: true },
        platformPage: 'integration',
        clientId: fleet.clientId,
        previousClientSecretUntil:
          previousClient && previousClient.expiresAt > now ? isoTime(previousClient.expiresAt) : undefined,
        webhookUrl: fleet.webhookUrl,
        webhookUrlValue: fleet.webhookUrl ?? '',
        webhookDisabled: fleet.webhookDisabled
          ? { at: isoTime(fleet.webhookDisabled.at), reason: fleet.webhookDisabled.reason }
          : undefined,
        previousWebhookSecretUntil:
          previous !== null && previousExpiresAt !== null && previousExpiresAt > now
            ? isoTime(previousExpiresAt)
            : undefined,
        eventChoices: vehicleEventTypes.map((type) => ({ type, checked: fleet.eventTypes.includes(type) })),
        eventPrice: euros(ctx.state.locale, deps.pricing.eventPriceCents),
        eventCap: euros(ctx.state.locale, deps.pricing.monthlyCapCents),
        overlapChoices: overlapChoices.map((choice) => ({
          ...choice,
          selected: choice.seconds === defaultOverlapSeconds,
        })),
        deliveries: deliveries.map((delivery) => ({
          jobId: delivery.jobId,
          webhookId: delivery.webhookId,
          eventType: delivery.eventType,
          statusCode: delivery.statusCode,
          ok: delivery.statusCode !== null && delivery.statusCode >= 200 && delivery.statusCode < 300,
          error: delivery.error,
          durationMs: delivery.durationMs,
          at: isoTime(delivery.attemptedAt),
        })),
        notice: done ? `platform_integration:done.${done}` : undefined,
        ...extra,
      },
      status,
    );
  }

  const done = (ctx: Context, what: string) => {
    ctx.status = 303;
    ctx.redirect(`${integrationPage}?done=${what}`);
  };

  return {
    async show(ctx: Context) {
      await show(ctx);
    },

    async rotateClientSecret(ctx: Context) {
      const overlap = overlapOf(ctx);
      const rotated = await rotateFleetClientSecret(deps.fleets, fleetUser(ctx).fleet.id, overlap);
      if (!rotated) throw new NotFound();
      await show(ctx, {
        notice: 'platform_integration:done.client_secret_rotated',
        newClientSecret: {
          secret: rotated.client_secret,
          previousUntil: overlap > 0 ? rotated.previous_expires_at : undefined,
        },
      });
    },

    async endClientSecretOverlap(ctx: Context) {
      await deps.fleets.endClientSecretOverlap(fleetUser(ctx).fleet.id);
      done(ctx, 'overlap_ended');
    },

    async saveWebhookUrl(ctx: Context) {
      const body = (ctx.request.body ?? {}) as Record<string, unknown>;
      const url = typeof body.webhook_url === 'string' ? body.webhook_url.trim() : '';
      const { id } = fleetUser(ctx).fleet;
      if (url === '') {
        await deps.fleets.setWebhookUrl(id, null);
        return done(ctx, 'webhook_url_removed');
      }
      const problem = await webhookUrlProblem(url, deps.webhookTargets);
      if (problem) return show(ctx, { webhookUrlError: problem, webhookUrlValue: url }, 400);
      await deps.fleets.setWebhookUrl(id, url);
      done(ctx, 'webhook_url_saved');
    },

    async rotateWebhookSecret(ctx: Context) {
      const overlap = overlapOf(ctx);
      const secrets = await rotateWebhookSecret(deps.fleets, fleetUser(ctx).fleet.id, overlap);
      if (!secrets) throw new NotFound();
      await show(ctx, {
        notice: 'platform_integration:done.webhook_secret_rotated',
        newWebhookSecret: {
          secret: secrets.current,
          previousUntil:
            overlap > 0 && secrets.previousExpiresAt !== null
              ? isoTime(secrets.previousExpiresAt)
              : undefined,
        },
      });
    },

    async saveEventTypes(ctx: Context) {
      const posted = postedEventTypes(ctx);
      if (eventTypeProblems(posted).length > 0) throw new InvalidInput();
      await deps.fleets.setEventTypes(fleetUser(ctx).fleet.id, checkedEventTypes(posted));
      done(ctx, 'events_saved');
    },

    async enableWebhook(ctx: Context) {
      await deps.fleets.enableWebhook(fleetUser(ctx).fleet.id);
      done(ctx, 'webhook_enabled');
    },

    async sendTestEvent(ctx: Context) {
      const fleet = await fleetOf(ctx);
      if (!fleet.webhookUrl) return show(ctx, { error: 'platform_integration:test_event.no_url' }, 409);
      if (fleet.webhookDisabled) return show(ctx, { error: 'platform_integration:test_event.disabled' }, 409);
      const wait = await deps.testEvents.take(fleet.id);
      if (wait !== undefined) {
        ctx.set('Retry-After', String(wait));
        return show(
          ctx,
          {
            error: 'platform_integration:test_event.too_many',
            errorValues: { minutes: Math.ceil(wait / 60) },
          },
          429,
        );
      }
      await deps.outbox.enqueue(fleetPingJob, { fleetId: fleet.id, occurredAt: Date.now() });
      done(ctx, 'test_event_sent');
    },

    /** Queues a delivery's job again (same job, so the same webhook-id); only a job delivered to this fleet. */
    async replay(ctx: Context) {
      const raw = String(ctx.params.job);
      const { clientId } = fleetUser(ctx).fleet;
      const jobId = /^[1-9]\d{0,14}$/.test(raw) ? Number(raw) : undefined;
      if (jobId === undefined || !(await deps.deliveries.madeFor(clientId, jobId))) throw new NotFound();
      if (!(await deps.outbox.replay(jobId))) throw new NotFound();
      done(ctx, 'replayed');
    },
  };
}
