// Cookie keys and the ID-token signing key: from configuration, or generated on first start and kept in
// the database, so restarts (and every instance on one database) keep sessions and tokens valid.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { Config } from '../config/index.ts';
import type { SettingsRepository } from '../storage/settings.ts';
import { randomToken } from './secrets.ts';

export interface Keys {
  cookieKeys: string[];
  jwks: { keys: Record<string, unknown>[] };
}

function generateSigningKey(): Record<string, unknown> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

export async function loadKeys(
  config: Pick<Config, 'cookieKeys' | 'jwks'>,
  settings: SettingsRepository,
): Promise<Keys> {
  const cookieKeys =
    config.cookieKeys ??
    (JSON.parse(
      await settings.getOrCreate('cookie_keys', () => JSON.stringify([randomToken(32)])),
    ) as string[]);
  const jwks =
    config.jwks ??
    (JSON.parse(
      await settings.getOrCreate('jwks', () => JSON.stringify({ keys: [generateSigningKey()] })),
    ) as Keys['jwks']);
  return { cookieKeys, jwks };
}
