// The one place that reads the environment: every setting validated at start, every problem listed at once.
// Contract: DESIGN.md "External contracts › Configuration" (PORT, ISSUER, DATABASE_URL, SMTP_URL, NODE_ENV).
import { resolve } from 'node:path';
import { z } from 'zod';

export type Mode = 'development' | 'production' | 'test';

export interface Config {
  mode: Mode;
  port: number;
  host: string;
  issuer: string;
  /** `postgres://…` selects PostgreSQL; undefined selects the SQLite file. */
  databaseUrl: string | undefined;
  sqliteFile: string;
  /** SQLite: how long a statement keeps trying while another process holds the file's write lock. */
  sqliteLockTimeoutMs: number;
  smtpUrl: string | undefined;
  mailFrom: string;
  /** Cookie signing keys (newest first). Undefined → generated once and kept in the database. */
  cookieKeys: string[] | undefined;
  /** Private JWKS for ID token signing. Undefined → generated once and kept in the database. */
  jwks: { keys: Record<string, unknown>[] } | undefined;
  trustProxy: boolean;
  logLevel: string;
  /** Mount the OEM simulator, the demo app and the dev mailbox (never in production). */
  devTools: boolean;
  runWorker: boolean;
  /** Seconds a stopping server gives the requests under way to finish before it closes their connections. */
  shutdownGrace: number;
  /** Car makers' clearance APIs; a provider left out uses the OEM simulator in development. */
  oem: Partial<Record<OemProviderId, OemEndpoint>>;
  relay: {
    /** Seconds a clearance may wait for the maker before it times out (error_time_out). */
    clearanceDeadline: number;
    pollMs: number;
    retryBaseMs: number;
    retryMaxMs: number;
    maxAttempts: number;
    /** How long a claimed job stays invisible to other workers (a crashed worker's job waits this long). */
    leaseMs: number;
    /** Timeout of one call to a maker's API. */
    oemTimeoutMs: number;
  };
  /** Password sign-in (journey and dashboard) and password-link mails, counted over `windowSeconds`. */
  signIn: {
    /** Failed sign-ins per account (email) before that account's sign-in pauses. */
    failuresPerAccount: number;
    /** Password checks and password-link requests per client address (each check costs a scrypt hash). */
    attemptsPerAddress: number;
    /** Password-link mails asked for one email address ("forgot your password?"). */
    passwordMailsPerAccount: number;
    windowSeconds: number;
  };
  /**
   * What the journey may do per client address, email address, account, VIN and app within `windowSeconds`:
   * every path that sends mail or asks a maker is limited.
   */
  limits: {
    windowSeconds: number;
    codeMailsPerEmail: number;
    codeMailsPerAddress: number;
    consentsPerAddress: number;
    consentsPerAccount: number;
    consentsPerVin: number;
    consentsPerApp: number;
  };
  /** The one-time code mailed to prove an email address in the journey. */
  emailCode: {
    ttlSeconds: number;
    attempts: number;
  };
  /**
   * Seconds finished outbox jobs, recorded OEM event ids and the webhook delivery log are kept. An event id
   * is what recognises a maker's redelivery, so this outlasts any redelivery by far.
   */
  historyRetention: number;
  webhooks: {
    /** Allow targets on loopback, private or link-local addresses (refused by default in production). */
    allowPrivateTargets: boolean;
    /** Only https targets: production (webhook bodies carry VINs). */
    requireHttps: boolean;
    /** Timeout of one delivery attempt. */
    timeoutMs: number;
  };
  ttl: {
    accessToken: number;
    refreshToken: number;
    authorizationCode: number;
    interaction: number;
    session: number;
    grant: number;
    passwordLink: number;
    /** A link the owner asked for with "Forgot your password?": short, as reset links should be. */
    passwordResetLink: number;
  };
}

export const oemProviderIds = ['bmw', 'mercedes-benz', 'stellantis'] as const;
export type OemProviderId = (typeof oemProviderIds)[number];

export interface OemEndpoint {
  baseUrl: string;
  apiKey: string;
  /** Standard Webhooks secret (`whsec_…`) the maker signs its callbacks with. */
  webhookSecret: string;
}

const envPrefix = (provider: OemProviderId) => `OEM_${provider.toUpperCase().replace(/-/g, '_')}`;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** A duration in seconds, optionally with a floor and the reason for it. */
const seconds = (fallback: number, floor?: { seconds: number; why: string }) => {
  const duration = z.coerce.number().int().positive();
  return (floor ? duration.min(floor.seconds, floor.why) : duration).default(fallback);
};
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((value) => (value === undefined ? fallback : value === 'true' || value === '1'));

const DAY = 86_400;

function schema(mode: Mode) {
  return z.object({
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    HOST: z
      .string()
      .min(1)
      .default(mode === 'production' ? '0.0.0.0' : '127.0.0.1'),
    ISSUER: z.url({ protocol: /^https?$/ }).optional(),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// (unset it to use SQLite)')
      .optional(),
    KEYTURN_SQLITE_FILE: z.string().min(1).default('./data/keyturn.sqlite'),
    SQLITE_LOCK_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
      .optional(),
    MAIL_FROM: z.string().min(3).default('Keyturn <no-reply@keyturn.localhost>'),
    KEYTURN_COOKIE_KEYS: z
      .string()
      .transform((value) => value.split(',').map((key) => key.trim()))
      .refine((keys) => keys.every((key) => key.length >= 32), 'every key needs at least 32 characters')
      .optional(),
    KEYTURN_JWKS: z
      .string()
      .transform((value, ctx) => {
        try {
          const parsed = JSON.parse(value) as { keys?: unknown };
          if (Array.isArray(parsed.keys) && parsed.keys.length > 0) return parsed as Config['jwks'];
        } catch {}
        ctx.addIssue({ code: 'custom', message: 'must be a JSON Web Key Set with at least one private key' });
        return z.NEVER;
      })
      .optional(),
    TRUST_PROXY: flag(false),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    KEYTURN_DEV_TOOLS: flag(mode !== 'production'),
    KEYTURN_RUN_WORKER: flag(true),
    SHUTDOWN_GRACE: seconds(10),
    ACCESS_TOKEN_TTL: seconds(3600),
    REFRESH_TOKEN_TTL: seconds(90 * DAY),
    AUTHORIZATION_CODE_TTL: seconds(60),
    INTERACTION_TTL: seconds(3600),
    SESSION_TTL: seconds(14 * DAY),
    GRANT_TTL: seconds(365 * DAY),
    PASSWORD_LINK_TTL: seconds(2 * DAY),
    PASSWORD_RESET_LINK_TTL: seconds(3600),
    CLEARANCE_DEADLINE: seconds(14 * DAY),
    RELAY_POLL_MS: z.coerce.number().int().positive().default(500),
    RELAY_RETRY_BASE_MS: z.coerce.number().int().positive().default(1_000),
    RELAY_RETRY_MAX_MS: z.coerce
      .number()
      .int()
      .positive()
      .default(6 * 3_600_000),
    RELAY_MAX_ATTEMPTS: z.coerce.number().int().positive().default(30),
    RELAY_LEASE_MS: z.coerce.number().int().positive().default(60_000),
    OEM_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
    SIGN_IN_FAILURES_PER_ACCOUNT: z.coerce.number().int().positive().default(5),
    SIGN_IN_ATTEMPTS_PER_ADDRESS: z.coerce.number().int().positive().default(20),
    PASSWORD_MAILS_PER_ACCOUNT: z.coerce.number().int().positive().default(3),
    SIGN_IN_WINDOW: seconds(15 * 60),
    LIMIT_WINDOW: seconds(3600),
    CODE_MAILS_PER_EMAIL: z.coerce.number().int().positive().default(5),
    CODE_MAILS_PER_ADDRESS: z.coerce.number().int().positive().default(20),
    CONSENTS_PER_ADDRESS: z.coerce.number().int().positive().default(20),
    CONSENTS_PER_ACCOUNT: z.coerce.number().int().positive().default(10),
    CONSENTS_PER_VIN: z.coerce.number().int().positive().default(5),
    CONSENTS_PER_APP: z.coerce.number().int().positive().default(1000),
    EMAIL_CODE_TTL: seconds(600),
    EMAIL_CODE_ATTEMPTS: z.coerce.number().int().positive().max(10).default(5),
    HISTORY_RETENTION: seconds(30 * DAY, {
      seconds: 7 * DAY,
      why: `must be at least ${7 * DAY} (7 days): an OEM event id must outlast the maker's redeliveries`,
    }),
    WEBHOOK_ALLOW_PRIVATE_TARGETS: flag(mode !== 'production'),
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  });
}

function modeOf(env: NodeJS.ProcessEnv): Mode {
  if (env.NODE_ENV === 'production') return 'production';
  if (env.NODE_ENV === 'test' || env.VITEST) return 'test';
  return 'development';
}

/** Reads and validates configuration; throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
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
  const oem: Config['oem'] = {};
  for (const provider of oemProviderIds) {
    const prefix = envPrefix(provider);
    const endpoint = {
      baseUrl: env[`${prefix}_URL`],
      apiKey: env[`${prefix}_API_KEY`],
      webhookSecret: env[`${prefix}_WEBHOOK_SECRET`],
    };
    const given = Object.values(endpoint).filter(Boolean).length;
    if (given === 0) {
      if (mode === 'production')
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
    trustProxy: e.TRUST_PROXY,
    logLevel: mode === 'test' && !env.LOG_LEVEL ? 'silent' : e.LOG_LEVEL,
    devTools: e.KEYTURN_DEV_TOOLS,
    runWorker: e.KEYTURN_RUN_WORKER,
    shutdownGrace: e.SHUTDOWN_GRACE,
    oem,
    relay: {
      clearanceDeadline: e.CLEARANCE_DEADLINE,
      pollMs: e.RELAY_POLL_MS,
      retryBaseMs: e.RELAY_RETRY_BASE_MS,
      retryMaxMs: e.RELAY_RETRY_MAX_MS,
      maxAttempts: e.RELAY_MAX_ATTEMPTS,
      leaseMs: e.RELAY_LEASE_MS,
      oemTimeoutMs: e.OEM_TIMEOUT_MS,
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
    },
    emailCode: { ttlSeconds: e.EMAIL_CODE_TTL, attempts: e.EMAIL_CODE_ATTEMPTS },
    historyRetention: e.HISTORY_RETENTION,
    webhooks: {
      allowPrivateTargets: e.WEBHOOK_ALLOW_PRIVATE_TARGETS,
      requireHttps: mode === 'production',
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
    },
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
