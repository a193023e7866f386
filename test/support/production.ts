// A complete production configuration for tests of what only production does (HSTS, https-only rules):
// every setting production requires, pointing at nothing that is ever called in those tests; and the
// production build, made as `npm run build` makes it, in a deployment folder of the test's own.
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/paths.ts';

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

export interface ProductionBuild {
  /** The build's dist/ folder: `node <dist>/src/main.js` starts the server. */
  dist: string;
  remove(): void;
}

/**
 * Runs the build `npm run build` runs into a temporary folder laid out as a deployment: package.json,
 * node_modules, views/ and locales/ (linked to the project's) beside dist/. A build someone else runs into
 * the project's dist/ at the same time is left alone, and the folder's package.json makes Node read the
 * compiled files as ES modules at once, as it does in dist/.
 */
export async function buildForProduction(): Promise<ProductionBuild> {
  const folder = mkdtempSync(join(tmpdir(), 'keyturn-production-'));
  for (const entry of ['package.json', 'node_modules', 'views', 'locales'])
    symlinkSync(join(projectRoot, entry), join(folder, entry));
  const dist = join(folder, 'dist');
  await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', join(projectRoot, 'src', 'build', 'production.ts'), '--out-dir', dist],
    { cwd: projectRoot },
  );
  return { dist, remove: () => rmSync(folder, { recursive: true, force: true }) };
}
