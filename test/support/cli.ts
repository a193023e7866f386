// The operator's `keyturn` command run as a real child process against a test database: JSON on stdout,
// problems on stderr, the exit code.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestDatabase } from './database.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function keyturnCli(
  database: TestDatabase,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliRun> {
  const { DATABASE_URL, KEYTURN_SQLITE_FILE, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['src/cli/bin.js', ...args], {
      cwd: root,
      env: { ...inherited, NODE_ENV: 'test', ...env, ...database.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
