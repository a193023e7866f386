// Every setting Keyturn reads from the environment, once: its variable, what it does, and its schema with
// the default (which may depend on the mode). The Config type (./load.ts), the defaults and the table in
// docs/configuration.md (./docs-table.ts) all come from here.

import { z } from 'zod';
import { fleetProviderIds } from '../domain/fleet/providers.ts';
import { providers as journeyProviders } from '../domain/vehicles/brands.ts';
import { parseReminderAges } from '../relay/approval-reminders.ts';
import { parseDiscountTiers } from '../usage/pricing.ts';

export type Mode = 'development' | 'production' | 'test';

export interface Setting<Schema extends z.ZodType = z.ZodType> {
  group: string;
  description: string;
  schema: (mode: Mode) => Schema;
}

const setting = <Schema extends z.ZodType>(
  group: string,
  description: string,
  schema: (mode: Mode) => Schema,
): Setting<Schema> => ({ group, description, schema });

/** A whole number of seconds, optionally with a floor and the reason for it. */
const seconds = (fallback: number, floor?: { seconds: number; why: string }) => () => {
  const duration = z.coerce.number().int().positive();
  return (floor ? duration.min(floor.seconds, floor.why) : duration).default(fallback);
};
const count = (fallback: number) => () => z.coerce.number().int().positive().default(fallback);
const flag = (fallback: (mode: Mode) => boolean) => (mode: Mode) =>
  z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((value) => (value === undefined ? fallback(mode) : value === 'true' || value === '1'));

const DAY = 86_400;
const production = (mode: Mode) => mode === 'production';

export const settings = {
  // Server
  PORT: setting('Server', 'Port the HTTP server listens on.', () =>
    z.coerce.number().int().min(0).max(65_535).default(3000),
  ),
  HOST: setting('Server', 'Address the HTTP server listens on.', (mode) =>
    z
      .string()
      .min(1)
      .default(production(mode) ? '0.0.0.0' : '127.0.0.1'),
  ),
  ISSUER: setting(
    'Server',
    'Public URL of Keyturn (https in production); every absolute URL it emits comes from it. Default: http://localhost:PORT.',
    () => z.url({ protocol: /^https?$/ }).optional(),
  ),
  TRUST_PROXY: setting(
    'Server',
    'Behind one reverse proxy: believe the client address it adds to X-Forwarded-For.',
    flag(() => false),
  ),
  LOG_LEVEL: setting('Server', 'pino log level (silent in tests unless set).', () =>
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  METRICS_TOKEN: setting(
    'Server',
    'Bearer token GET /metrics requires (at least 16 characters); unset: /metrics is absent in production and open otherwise.',
    () => z.string().min(16, 'must be at least 16 characters').optional(),
  ),
  SHUTDOWN_GRACE: setting(
    'Server',
    'Seconds a stopping server lets requests under way finish before it closes their connections.',
    seconds(10),
  ),
  KEYTURN_DEV_TOOLS: setting(
    'Server',
    'Mount the OEM simulator, the demo app and the dev mailbox (never allowed in production).',
    flag((mode) => !production(mode)),
  ),
  SIMULATOR_LOCATION_INTERVAL: setting(
    'Server',
    'Seconds between the positions the OEM simulator sends for each approved clearance; 0: only the first (the default in tests).',
    (mode) =>
      z.coerce
        .number()
        .int()
        .min(0)
        .default(mode === 'test' ? 0 : 60),
  ),
  KEYTURN_RUN_WORKER: setting(
    'Server',
    'Run the outbox worker in the server process (else run `keyturn worker` processes).',
    flag(() => true),
  ),
  // Storage
  DATABASE_URL: setting('Storage', 'postgres://… selects PostgreSQL; unset selects the SQLite file.', () =>
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// (unset it to use SQLite)')
      .optional(),
  ),
  KEYTURN_SQLITE_FILE: setting('Storage', 'The SQLite file (when DATABASE_URL is unset).', () =>
    z.string().min(1).default('./data/keyturn.sqlite'),
  ),
  SQLITE_LOCK_TIMEOUT_MS: setting(
    'Storage',
    'SQLite: how long a statement waits (asynchronously) while another process holds the write lock.',
    count(5_000),
  ),
  HISTORY_RETENTION: setting(
    'Storage',
    "Seconds finished jobs, makers' event ids and webhook delivery logs are kept (at least 7 days).",
    seconds(30 * DAY, {
      seconds: 7 * DAY,
      why: `must be at least ${7 * DAY} (7 days): an OEM event id must outlast the maker's redeliveries`,
    }),
  ),
  // Mail
  SMTP_URL: setting(
    'Mail',
    'smtp(s):// server for mail (required in production); unset: the dev mailbox.',
    () =>
      z
        .string()
        .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
        .optional(),
  ),
  MAIL_FROM: setting('Mail', 'Sender of every mail.', () =>
    z.string().min(3).default('Keyturn <no-reply@keyturn.localhost>'),
  ),
  // Keys
  KEYTURN_COOKIE_KEYS: setting(
    'Keys',
    'Cookie signing keys, comma-separated, newest first, ≥ 32 characters each (required in production; else generated and kept in the database).',
    () =>
      z
        .string()
        .transform((value) => value.split(',').map((key) => key.trim()))
        .refine((keys) => keys.every((key) => key.length >= 32), 'every key needs at least 32 characters')
        .optional(),
  ),
  PASSWORD_HASH_COST: setting(
    'Keys',
    "scrypt's cost for new password hashes as log2 N (r=8, p=1): OWASP's 17 by default, at least 17 in production; the tests use 12. A hash made at another cost is redone at its next sign-in.",
    (mode) =>
      z.coerce
        .number()
        .int()
        .min(production(mode) ? 17 : 10, production(mode) ? 'at least 17 in production (OWASP)' : undefined)
        .max(20)
        .default(mode === 'test' ? 12 : 17),
  ),
  KEYTURN_JWKS: setting(
    'Keys',
    'Private JSON Web Key Set signing ID tokens (required in production; else generated and kept in the database). Its RSA key signs RS256 for default apps and PS256 for FAPI 2.0 apps, published a second time as `<kid>-ps256`.',
    () =>
      z
        .string()
        .transform((value, ctx) => {
          try {
            const parsed = JSON.parse(value) as { keys?: unknown };
            if (Array.isArray(parsed.keys) && parsed.keys.length > 0)
              return parsed as { keys: Record<string, unknown>[] };
          } catch {}
          ctx.addIssue({
            code: 'custom',
            message: 'must be a JSON Web Key Set with at least one private key',
          });
          return z.NEVER;
        })
        .optional(),
  ),
  // Tokens and links
  ACCESS_TOKEN_TTL: setting('Lifetimes', 'Seconds an access token (and an ID token) lives.', seconds(3600)),
  REFRESH_TOKEN_TTL: setting('Lifetimes', 'Seconds a refresh token lives.', seconds(90 * DAY)),
  AUTHORIZATION_CODE_TTL: setting('Lifetimes', 'Seconds an authorization code lives.', seconds(60)),
  INTERACTION_TTL: setting('Lifetimes', 'Seconds a consent journey may take.', seconds(3600)),
  SESSION_TTL: setting('Lifetimes', "Seconds the journey's login session lives.", seconds(14 * DAY)),
  GRANT_TTL: setting(
    'Lifetimes',
    'Seconds an app keeps its access (its grant), at most.',
    seconds(365 * DAY),
  ),
  PASSWORD_LINK_TTL: setting(
    'Lifetimes',
    'Seconds the set-password link mailed after a journey lives.',
    seconds(2 * DAY),
  ),
  PASSWORD_RESET_LINK_TTL: setting(
    'Lifetimes',
    'Seconds a "forgot your password?" link lives.',
    seconds(3600),
  ),
  EMAIL_CODE_TTL: setting('Lifetimes', "Seconds the journey's one-time email code lives.", seconds(600)),
  EMAIL_CODE_ATTEMPTS: setting('Limits', 'Tries of one email code (at most 10).', () =>
    z.coerce.number().int().positive().max(10).default(5),
  ),
  // Limits
  SIGN_IN_FAILURES_PER_ACCOUNT: setting(
    'Limits',
    'Failed sign-ins per account within SIGN_IN_WINDOW before its sign-in pauses.',
    count(5),
  ),
  SIGN_IN_ATTEMPTS_PER_ADDRESS: setting(
    'Limits',
    'Password checks and password-link requests per client address within SIGN_IN_WINDOW.',
    count(20),
  ),
  PASSWORD_MAILS_PER_ACCOUNT: setting(
    'Limits',
    'Password-link mails per email address within SIGN_IN_WINDOW.',
    count(3),
  ),
  SIGN_IN_WINDOW: setting('Limits', 'Seconds the sign-in limits count over.', seconds(15 * 60)),
  LIMIT_WINDOW: setting(
    'Limits',
    "Seconds the journey's, fleets' and apps' limits below count over.",
    seconds(3600),
  ),
  CODE_MAILS_PER_EMAIL: setting('Limits', 'Journey code mails per email address.', count(5)),
  CODE_MAILS_PER_ADDRESS: setting('Limits', 'Journey code mails per client address.', count(20)),
  CONSENTS_PER_ADDRESS: setting('Limits', 'Consents per client address.', count(20)),
  CONSENTS_PER_ACCOUNT: setting('Limits', 'Consents per owner account.', count(10)),
  CONSENTS_PER_VIN: setting('Limits', 'Consents per VIN.', count(5)),
  CONSENTS_PER_APP: setting('Limits', 'Consents per app.', count(1000)),
  INVITATIONS_PER_FLEET: setting(
    'Limits',
    "Invitations a fleet's admins may send from the Platform (each mails someone).",
    count(20),
  ),
  VALIDATIONS_PER_FLEET: setting(
    'Limits',
    "Vehicle validations per fleet (each asks a provider, whose portal may mail the fleet's admin).",
    count(10_000),
  ),
  ELIGIBILITY_CHECKS_PER_APP: setting(
    'Limits',
    'Eligibility checks per app (POST /v1/eligibility).',
    count(1_000),
  ),
  // Relay
  CLEARANCE_DEADLINE: setting(
    'Relay',
    'Seconds a clearance may wait for the maker before it times out (error_time_out).',
    seconds(14 * DAY),
  ),
  RELAY_POLL_MS: setting('Relay', 'How often the outbox worker looks for due jobs.', count(500)),
  RELAY_RETRY_BASE_MS: setting(
    'Relay',
    'First retry delay of a failed job (doubling, with jitter).',
    count(1_000),
  ),
  RELAY_RETRY_MAX_MS: setting('Relay', 'Longest retry delay.', count(6 * 3_600_000)),
  RELAY_MAX_ATTEMPTS: setting('Relay', 'Attempts before a job is given up on.', count(30)),
  RELAY_LEASE_MS: setting(
    'Relay',
    "How long a claimed job stays invisible to other workers (a crashed worker's job waits this long).",
    count(60_000),
  ),
  OEM_TIMEOUT_MS: setting('Relay', "Timeout of one call to a maker's API.", count(10_000)),
  APPROVAL_REMINDERS: setting(
    'Relay',
    "Days of waiting for the owner's approval at the maker after which the owner is mailed a reminder, comma-separated and ascending; `none`: no reminders.",
    () =>
      z
        .string()
        .default('2,7')
        .superRefine((value, ctx) => {
          const parsed = parseReminderAges(value);
          if ('problem' in parsed) ctx.addIssue({ code: 'custom', message: parsed.problem });
        }),
  ),
  // Webhooks
  WEBHOOK_ALLOW_PRIVATE_TARGETS: setting(
    'Webhooks',
    'Allow webhook targets on loopback, private or link-local addresses (never by default in production).',
    flag((mode) => !production(mode)),
  ),
  WEBHOOK_TIMEOUT_MS: setting('Webhooks', 'Timeout of one webhook delivery attempt.', count(10_000)),
  // Usage
  USAGE_EVENT_PRICE_CENTS: setting(
    'Usage',
    'Price in euro cents of each vehicle event webhook queued for a receiver (status webhooks and pings are free).',
    () => z.coerce.number().int().min(0).default(12),
  ),
  USAGE_MONTHLY_CAP_CENTS: setting(
    'Usage',
    'Most a receiver is charged per vehicle and calendar month (UTC), in euro cents.',
    () => z.coerce.number().int().min(0).default(669),
  ),
  USAGE_DISCOUNT_TIERS: setting(
    'Usage',
    "Volume discounts of a month's statement, `vehicles:percent` comma-separated (the highest tier reached applies), or `none`.",
    () =>
      z
        .string()
        .default('100:5,1000:10,10000:15')
        .refine((value) => parseDiscountTiers(value) !== undefined, {
          message: 'expected vehicles:percent pairs, e.g. 100:5,1000:10, or none',
        }),
  ),
} satisfies Record<string, Setting>;

/**
 * The providers whose clearance API is configured with OEM_<PROVIDER>_URL, _API_KEY and _WEBHOOK_SECRET:
 * every provider a fleet registers vehicles with, the consent journey's makers among them.
 */
export const oemProviderIds = fleetProviderIds;
export type OemProviderId = (typeof oemProviderIds)[number];

/**
 * The consent journey's makers: required in production (the journey offers their brands). The fleets'
 * further providers are optional; a fleet cannot register a vehicle with a provider that is not configured.
 */
export const requiredInProduction: ReadonlySet<OemProviderId> = new Set(journeyProviders);

export const oemEnvPrefix = (provider: OemProviderId) => `OEM_${provider.toUpperCase().replace(/-/g, '_')}`;
