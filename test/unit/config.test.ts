// Configuration from the environment: documented defaults,
// and every problem listed at once in one ConfigError.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, oemProviderIds } from '../../src/config/index.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

const problemAbout = (problems: string[], variable: string) =>
  problems.filter((problem) => problem.startsWith(variable));

/** Everything production needs, so each test can take one thing away. */
function productionEnv(): Record<string, string> {
  const oem = Object.fromEntries(
    oemProviderIds.flatMap((provider) => {
      const prefix = `OEM_${provider.toUpperCase().replace(/-/g, '_')}`;
      return [
        [`${prefix}_URL`, `https://${provider}.oem.example`],
        [`${prefix}_API_KEY`, `key-${provider}`],
        [`${prefix}_WEBHOOK_SECRET`, `whsec_${Buffer.from(provider).toString('base64')}`],
      ];
    }),
  );
  return {
    NODE_ENV: 'production',
    ISSUER: 'https://keyturn.example',
    DATABASE_URL: 'postgres://keyturn@db.example/keyturn',
    SMTP_URL: 'smtps://mailer:secret@smtp.example',
    KEYTURN_COOKIE_KEYS: `${'a'.repeat(32)},${'b'.repeat(32)}`,
    KEYTURN_JWKS: JSON.stringify({ keys: [{ kty: 'RSA', kid: 'k1' }] }),
    ...oem,
  };
}

describe('loadConfig', () => {
  it('loadConfig › defaults to port 3000, issuer http://localhost:3000 and a SQLite file under ./data', () => {
    const config = loadConfig({});
    expect(config.mode).toBe('development');
    expect(config.port).toBe(3000);
    expect(config.issuer).toBe('http://localhost:3000');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.sqliteFile).toMatch(/[/\\]data[/\\]keyturn\.sqlite$/);
    expect(config.smtpUrl).toBeUndefined();
    expect(config.devTools).toBe(true);
  });

  it('loadConfig › derives the default issuer from PORT and drops a trailing slash from ISSUER', () => {
    expect(loadConfig({ PORT: '4000' }).issuer).toBe('http://localhost:4000');
    expect(loadConfig({ ISSUER: 'https://keyturn.example/' }).issuer).toBe('https://keyturn.example');
  });

  it('loadConfig › selects PostgreSQL when DATABASE_URL is a postgres:// URL', () => {
    const url = 'postgres://keyturn@127.0.0.1:5432/keyturn';
    expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
  });

  it('loadConfig › lists an invalid PORT, DATABASE_URL and SMTP_URL together in one ConfigError', () => {
    const problems = problemsOf({
      PORT: 'seventy',
      DATABASE_URL: 'mysql://keyturn@127.0.0.1/keyturn',
      SMTP_URL: 'http://mail.example',
    });
    expect(problemAbout(problems, 'PORT')).toHaveLength(1);
    expect(problemAbout(problems, 'DATABASE_URL')).toHaveLength(1);
    expect(problemAbout(problems, 'SMTP_URL')).toHaveLength(1);
    expect(problems).toHaveLength(3);
  });

  it('loadConfig › prices vehicle events at 12 cents capped at 669 by default; malformed discount tiers are refused', () => {
    expect(loadConfig({}).pricing).toMatchObject({
      eventPriceCents: 12,
      monthlyCapCents: 669,
      currency: 'EUR',
    });
    expect(loadConfig({ USAGE_DISCOUNT_TIERS: 'none' }).pricing.discountTiers).toEqual([]);
    expect(loadConfig({ USAGE_DISCOUNT_TIERS: '50:3' }).pricing.discountTiers).toEqual([
      { vehicles: 50, percent: 3 },
    ]);
    expect(problemAbout(problemsOf({ USAGE_DISCOUNT_TIERS: '50%' }), 'USAGE_DISCOUNT_TIERS')).toHaveLength(1);
    expect(
      problemAbout(problemsOf({ USAGE_EVENT_PRICE_CENTS: '0.5' }), 'USAGE_EVENT_PRICE_CENTS'),
    ).toHaveLength(1);
  });

  it('loadConfig › keeps history 30 days by default, and refuses a retention shorter than 7 days', () => {
    const day = 86_400;
    expect(loadConfig({}).historyRetention).toBe(30 * day);
    expect(loadConfig({ HISTORY_RETENTION: String(7 * day) }).historyRetention).toBe(7 * day);
    expect(
      problemAbout(problemsOf({ HISTORY_RETENTION: String(7 * day - 1) }), 'HISTORY_RETENTION'),
    ).toHaveLength(1);
  });

  it('loadConfig › the OEM simulator sends a position every 60 s, none but the first in tests, as told', () => {
    expect(loadConfig({}).simulatorLocationInterval).toBe(60);
    expect(loadConfig({ NODE_ENV: 'test' }).simulatorLocationInterval).toBe(0);
    expect(loadConfig({ SIMULATOR_LOCATION_INTERVAL: '5' }).simulatorLocationInterval).toBe(5);
    expect(
      problemAbout(problemsOf({ SIMULATOR_LOCATION_INTERVAL: '-1' }), 'SIMULATOR_LOCATION_INTERVAL'),
    ).toHaveLength(1);
  });

  it('loadConfig › refuses a PORT outside 0–65535', () => {
    expect(problemAbout(problemsOf({ PORT: '70000' }), 'PORT')).toHaveLength(1);
  });

  it('loadConfig › accepts a complete production configuration', () => {
    const config = loadConfig(productionEnv());
    expect(config.mode).toBe('production');
    expect(config.devTools).toBe(false);
    expect(config.issuer).toBe('https://keyturn.example');
  });

  it('loadConfig › in production lists a non-https ISSUER and missing SMTP_URL, cookie keys and JWKS at once', () => {
    const env = productionEnv();
    env.ISSUER = 'http://keyturn.example';
    delete env.SMTP_URL;
    delete env.KEYTURN_COOKIE_KEYS;
    delete env.KEYTURN_JWKS;
    const problems = problemsOf(env);
    for (const variable of ['ISSUER', 'SMTP_URL', 'KEYTURN_COOKIE_KEYS', 'KEYTURN_JWKS'])
      expect(problemAbout(problems, variable), variable).toHaveLength(1);
    expect(problems).toHaveLength(4);
  });

  it('loadConfig › in production without any ISSUER refuses the http://localhost default', () => {
    const env = productionEnv();
    delete env.ISSUER;
    expect(problemAbout(problemsOf(env), 'ISSUER')).toHaveLength(1);
  });

  it('loadConfig › in production refuses the dev tools (simulator, demo, mailbox)', () => {
    expect(
      problemAbout(problemsOf({ ...productionEnv(), KEYTURN_DEV_TOOLS: 'true' }), 'KEYTURN_DEV_TOOLS'),
    ).toHaveLength(1);
  });

  it('loadConfig › in production webhooks go only to https targets on public addresses; elsewhere loopback receivers are allowed', () => {
    expect(loadConfig(productionEnv()).webhooks).toMatchObject({
      allowPrivateTargets: false,
      requireHttps: true,
    });
    expect(loadConfig({ ...productionEnv(), WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' }).webhooks).toMatchObject({
      allowPrivateTargets: true,
      requireHttps: true,
    });
    expect(loadConfig({}).webhooks).toMatchObject({ allowPrivateTargets: true, requireHttps: false });
    expect(loadConfig({ NODE_ENV: 'test' }).webhooks).toMatchObject({
      allowPrivateTargets: true,
      requireHttps: false,
    });
  });

  // src/config.ts returns early when the schema fails, so production's own checks are not reported with it.
  it('loadConfig › in production lists a malformed SMTP_URL together with the missing cookie keys and JWKS', () => {
    const env = productionEnv();
    env.SMTP_URL = 'http://mail.example';
    delete env.KEYTURN_COOKIE_KEYS;
    delete env.KEYTURN_JWKS;
    const problems = problemsOf(env);
    for (const variable of ['SMTP_URL', 'KEYTURN_COOKIE_KEYS', 'KEYTURN_JWKS'])
      expect(problemAbout(problems, variable), variable).toHaveLength(1);
  });
});
