// A throwaway self-signed TLS certificate for 127.0.0.1 and localhost, made with openssl in the given
// folder: nginx serves it, and every process of the run trusts it as its only extra certificate authority.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Certificate {
  certFile: string;
  keyFile: string;
}

export async function makeCertificate(folder: string): Promise<Certificate> {
  const certFile = join(folder, 'tls-cert.pem');
  const keyFile = join(folder, 'tls-key.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  return { certFile, keyFile };
}
