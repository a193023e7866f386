// The one place that reads the environment: every setting of ./settings.ts validated at start, every
// problem listed at once, and the rules production adds (https issuer, real mail, configured keys and
// makers, no development tools).
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseReminderAges } from '../relay/approval-reminders.ts';
import { scryptCost } from '../security/passwords.ts';
import { type Pricing, parseDiscountTiers } from '../usage/pricing.ts';
import {
  type Mode,
  type OemProviderId,
  oemEnvPrefix,
  oemProviderIds,
  requiredInProduction,
  type Setting,
  settings,
} from './settings.ts';

export interface OemEndpoint {
  baseUrl: string;
  apiKey: string;
  /** Standard Webhooks secret (`whsec_…`) the maker signs its callbacks with. */
  webhookSecret: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Settings = typeof settings;
type Schemas = { [Name in keyof Settings]: ReturnType<Settings[Name]['schema']> };

function schema(mode: Mode) {
  const shape = Object.fromEntries(
    Object.entries(settings).map(([name, entry]) => [name, (entry as Setting).schema(mode)]),
  ) as Schemas;
  return z.object(shape);
}

function modeOf(env: NodeJS.ProcessEnv): Mode {
  if (env.NODE_ENV === 'production') return 'production';
  if (env.NODE_ENV === 'test' || env.VITEST) return 'test';
  return 'development';
}

function makers(env: NodeJS.ProcessEnv, mode: Mode, problems: string[]) {
  const oem: Partial<Record<OemProviderId, OemEndpoint>> = {};
  for (const provider of oemProviderIds) {
    const prefix = oemEnvPrefix(provider);
    const endpoint = {
      baseUrl: env[`${prefix}_URL`],
      apiKey: env[`${prefix}_API_KEY`],
      webhookSecret: env[`${prefix}_WEBHOOK_SECRET`],
    };
    const given = Object.values(endpoint).filter(Boolean).length;
    if (given === 0) {
      if (mode === 'production' && requiredInProduction.has(provider))
        problems.push(`${prefix}_URL, ${prefix}_API_KEY, ${prefix}_WEBHOOK_SECRET: required in production`);
      continue;
    }
    if (given < 3)
      problems.push(`${prefix}_URL, ${prefix}_API_KEY and ${prefix}_WEBHOOK_SECRET must be set together`);
    else if (!/^https?:\/\//.test(endpoint.baseUrl ?? ''))
      problems.push(`${prefix}_URL: must be an http(s) URL`);
    else if (!endpoint.webhookSecret?.startsWith('whsec_'))
      problems.push(`${prefix}_WEBHOOK_SECRET: must start with whsec_`);
    else oem[provider] = endpoint as OemEndpoint;
  }
  return oem;
}

/** APPROVAL_REMINDERS in seconds (its schema has checked the value). */
function reminderAgesOf(value: string): number[] {
  const parsed = parseReminderAges(value);
  return 'seconds' in parsed ? parsed.seconds : [];
}

/** Reads and validates configuration; throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const mode = modeOf(env);
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const problems: string[] = [];
  let parsed = schema(mode).safeParse(present);
  if (!parsed.success) {
    // Record every malformed variable, then check the rest with those left at their defaults, so the
    // operator sees every problem in one go.
    for (const issue of parsed.error.issues) {
      problems.push(`${issue.path.join('.')}: ${issue.message}`);
      delete present[String(issue.path[0])];
    }
    parsed = schema(mode).safeParse(present);
    if (!parsed.success) throw new ConfigError(problems);
  }
  const e = parsed.data;
  const issuer = (e.ISSUER ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');
  if (mode === 'production') {
    if (!issuer.startsWith('https://')) problems.push('ISSUER: must be an https:// URL in production');
    if (e.KEYTURN_DEV_TOOLS)
      problems.push('KEYTURN_DEV_TOOLS: the simulator, demo and mailbox never run in production');
    if (!e.SMTP_URL && !problems.some((p) => p.startsWith('SMTP_URL')))
      problems.push('SMTP_URL: required in production (the dev mailbox is not available)');
    if (!e.KEYTURN_COOKIE_KEYS)
      problems.push('KEYTURN_COOKIE_KEYS: required in production (comma-separated, ≥ 32 chars each)');
    if (!e.KEYTURN_JWKS) problems.push('KEYTURN_JWKS: required in production (private JWKS)');
  }
  const oem = makers(env, mode, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    mode,
    port: e.PORT,
    host: e.HOST,
    issuer,
    databaseUrl: e.DATABASE_URL,
    sqliteFile: resolve(e.KEYTURN_SQLITE_FILE),
    sqliteLockTimeoutMs: e.SQLITE_LOCK_TIMEOUT_MS,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    cookieKeys: e.KEYTURN_COOKIE_KEYS,
    jwks: e.KEYTURN_JWKS,
    /** scrypt's cost for new password hashes. */
    passwordHashCost: scryptCost(e.PASSWORD_HASH_COST),
    trustProxy: e.TRUST_PROXY,
    logLevel: mode === 'test' && !env.LOG_LEVEL ? 'silent' : e.LOG_LEVEL,
    devTools: e.KEYTURN_DEV_TOOLS,
    /** The OEM simulator's cars send their position this often (seconds; 0: only the first). */
    simulatorLocationInterval: e.SIMULATOR_LOCATION_INTERVAL,
    runWorker: e.KEYTURN_RUN_WORKER,
    shutdownGrace: e.SHUTDOWN_GRACE,
    /** The bearer token GET /metrics requires; unset: absent in production, open otherwise. */
    metricsToken: e.METRICS_TOKEN,
    /** Makers' clearance APIs; one left out is served by the OEM simulator in development. */
    oem,
    relay: {
      clearanceDeadline: e.CLEARANCE_DEADLINE,
      pollMs: e.RELAY_POLL_MS,
      retryBaseMs: e.RELAY_RETRY_BASE_MS,
      retryMaxMs: e.RELAY_RETRY_MAX_MS,
      maxAttempts: e.RELAY_MAX_ATTEMPTS,
      leaseMs: e.RELAY_LEASE_MS,
      oemTimeoutMs: e.OEM_TIMEOUT_MS,
      /** Ages of a wait for the owner's approval, in seconds, at which the owner is reminded (ascending). */
      approvalReminders: reminderAgesOf(e.APPROVAL_REMINDERS),
    },
    signIn: {
      failuresPerAccount: e.SIGN_IN_FAILURES_PER_ACCOUNT,
      attemptsPerAddress: e.SIGN_IN_ATTEMPTS_PER_ADDRESS,
      passwordMailsPerAccount: e.PASSWORD_MAILS_PER_ACCOUNT,
      windowSeconds: e.SIGN_IN_WINDOW,
    },
    limits: {
      windowSeconds: e.LIMIT_WINDOW,
      codeMailsPerEmail: e.CODE_MAILS_PER_EMAIL,
      codeMailsPerAddress: e.CODE_MAILS_PER_ADDRESS,
      consentsPerAddress: e.CONSENTS_PER_ADDRESS,
      consentsPerAccount: e.CONSENTS_PER_ACCOUNT,
      consentsPerVin: e.CONSENTS_PER_VIN,
      consentsPerApp: e.CONSENTS_PER_APP,
      validationsPerFleet: e.VALIDATIONS_PER_FLEET,
      invitationsPerFleet: e.INVITATIONS_PER_FLEET,
      eligibilityChecksPerApp: e.ELIGIBILITY_CHECKS_PER_APP,
    },
    emailCode: { ttlSeconds: e.EMAIL_CODE_TTL, attempts: e.EMAIL_CODE_ATTEMPTS },
    historyRetention: e.HISTORY_RETENTION,
    webhooks: {
      allowPrivateTargets: e.WEBHOOK_ALLOW_PRIVATE_TARGETS,
      /** Webhook bodies carry VINs: only https targets in production. */
      requireHttps: mode === 'production',
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
    },
    pricing: {
      currency: 'EUR',
      eventPriceCents: e.USAGE_EVENT_PRICE_CENTS,
      monthlyCapCents: e.USAGE_MONTHLY_CAP_CENTS,
      discountTiers: parseDiscountTiers(e.USAGE_DISCOUNT_TIERS) ?? [],
    } satisfies Pricing,
    ttl: {
      accessToken: e.ACCESS_TOKEN_TTL,
      refreshToken: e.REFRESH_TOKEN_TTL,
      authorizationCode: e.AUTHORIZATION_CODE_TTL,
      interaction: e.INTERACTION_TTL,
      session: e.SESSION_TTL,
      grant: e.GRANT_TTL,
      passwordLink: e.PASSWORD_LINK_TTL,
      passwordResetLink: e.PASSWORD_RESET_LINK_TTL,
    },
  };
}

export type Config = ReturnType<typeof loadConfig>;

/** Loads configuration, or exits (code 2) with every problem listed on stderr. */
export function configOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}
