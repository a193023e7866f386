// A complete production configuration for tests of what only production does (HSTS, https-only rules):
// every setting production requires, pointing at nothing that is ever called in those tests.
import { generateKeyPairSync, randomBytes } from 'node:crypto';

export function productionEnv(issuer = 'https://keyturn.example'): Record<string, string> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const oem = (prefix: string) => ({
    [`${prefix}_URL`]: `https://oem.example/${prefix.toLowerCase()}`,
    [`${prefix}_API_KEY`]: 'production-test-key',
    [`${prefix}_WEBHOOK_SECRET`]: `whsec_${randomBytes(24).toString('base64')}`,
  });
  return {
    NODE_ENV: 'production',
    ISSUER: issuer,
    SMTP_URL: 'smtp://127.0.0.1:9',
    KEYTURN_COOKIE_KEYS: randomBytes(32).toString('base64url'),
    KEYTURN_JWKS: JSON.stringify({ keys: [jwk] }),
    ...oem('OEM_BMW'),
    ...oem('OEM_MERCEDES_BENZ'),
    ...oem('OEM_STELLANTIS'),
  };
}
