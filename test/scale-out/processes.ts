// The run's Keyturn processes, all from the sources through tsx (no build step: the run stays fast and
// leaves dist/ alone; the compiled start is tested by test/integration/production-start.test.ts): the
// server instances, the separate `keyturn worker`, and one-shot `keyturn` commands (migrate, apps add,
// consumers add). Long-running ones log to a file in the run's folder and are killed if the run ends early.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const repositoryRoot = new URL('../../', import.meta.url).pathname;
const run = promisify(execFile);

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface KeyturnProcess {
  name: string;
  logFile: string;
  child: ChildProcess;
  /** SIGTERM, then waits for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Without the parent's database variables, so only what `env` names is used. */
function baseEnv(): Record<string, string | undefined> {
  const { VITEST: _v, DATABASE_URL: _d, KEYTURN_SQLITE_FILE: _s, ...inherited } = process.env;
  return inherited;
}

export function startKeyturnProcess(
  name: string,
  args: string[],
  env: Record<string, string>,
  folder: string,
): KeyturnProcess {
  const logFile = join(folder, `${name}.log`);
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: repositoryRoot,
    env: { ...baseEnv(), ...env },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  running.add(child);
  child.once('exit', () => running.delete(child));
  return {
    name,
    logFile,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Resolves once GET /readyz answers 200 (database reachable, every migration applied). */
export async function ready(instance: KeyturnProcess, url: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (instance.child.exitCode !== null)
      throw new Error(`${instance.name} exited (${instance.child.exitCode}); see ${instance.logFile}`);
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${instance.name} not ready within ${timeoutMs} ms; see ${instance.logFile}`);
}

/** One `keyturn …` command as an operator runs it; resolves with its JSON output. */
export async function keyturnCommand<T>(args: string[], env: Record<string, string>): Promise<T> {
  try {
    const { stdout } = await run(process.execPath, ['src/cli/bin.js', ...args], {
      cwd: repositoryRoot,
      env: { ...baseEnv(), ...env },
    });
    return JSON.parse(stdout) as T;
  } catch (error) {
    const failed = error as Error & { stderr?: string };
    throw new Error(
      `keyturn ${args.slice(0, 2).join(' ')} failed: ${failed.stderr?.trim() || failed.message}`,
    );
  }
}
