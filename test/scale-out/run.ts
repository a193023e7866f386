// `npm run scale-out`: two Keyturn instances and a separate `keyturn worker` on one fresh PostgreSQL
// database, behind nginx terminating TLS, walked through by one owner's journey and checked. This entry
// checks for nginx and openssl, makes the throwaway certificate, then runs the scenario (./scenario.ts) in a
// child process that trusts the certificate (NODE_EXTRA_CA_CERTS is read only when Node starts) and passes
// its exit code on. PostgreSQL: SCALE_OUT_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificate } from './certificate.ts';
import { nginxBinary } from './nginx.ts';

if (!existsSync(nginxBinary)) {
  process.stderr.write(
    `scale-out: nginx is missing (${nginxBinary}). Install it first, e.g. on Debian or Ubuntu:\n` +
      '  sudo apt-get update && sudo apt-get install -y nginx\n',
  );
  process.exit(2);
}

const folder = mkdtempSync(join(tmpdir(), 'keyturn-scale-out-'));
let certificate: Awaited<ReturnType<typeof makeCertificate>>;
try {
  certificate = await makeCertificate(folder);
} catch (error) {
  process.stderr.write(`scale-out: openssl could not make a certificate: ${(error as Error).message}\n`);
  rmSync(folder, { recursive: true, force: true });
  process.exit(2);
}

const scenario = spawn(
  process.execPath,
  ['--import', 'tsx', new URL('./scenario.ts', import.meta.url).pathname, folder],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      NODE_EXTRA_CA_CERTS: certificate.certFile,
      SCALE_OUT_CERT: certificate.certFile,
      SCALE_OUT_KEY: certificate.keyFile,
    },
  },
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => scenario.kill(signal));
const code = await new Promise<number>((resolve) =>
  scenario.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 130 : 1))),
);
if (code === 0) rmSync(folder, { recursive: true, force: true });
else process.stdout.write(`scale-out: logs kept in ${folder}\n`);
process.exit(code);
