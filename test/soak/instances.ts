// Keyturn server processes (`node --import tsx src/main.ts`) on 127.0.0.1, each with its own port and
// ISSUER, all on one database: start, stop with SIGTERM (graceful) and start again on the same port. Their
// output is appended to a log file per instance; an exit nobody asked for is recorded.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../bench/server-process.ts';
import type { InstanceName } from './ledger.ts';

export interface UnexpectedExit {
  instance: InstanceName;
  at: number;
  code: number | null;
  signal: string | null;
}

const repositoryRoot = new URL('../../', import.meta.url).pathname;

// The soak's own children never outlive it, even when it ends on an error or Ctrl-C.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export class KeyturnInstance {
  readonly url: string;
  readonly logFile: string;
  private child: ChildProcess | undefined;
  private stopping = false;
  /** Exit codes of the stops asked for (a graceful stop exits 0). */
  readonly stopExits: Array<number | null> = [];

  private constructor(
    readonly name: InstanceName,
    readonly port: number,
    private readonly env: Record<string, string>,
    logDirectory: string,
    private readonly onUnexpectedExit: (exit: UnexpectedExit) => void,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.logFile = join(logDirectory, `instance-${name}.log`);
  }

  static async create(
    name: InstanceName,
    env: Record<string, string>,
    logDirectory: string,
    onUnexpectedExit: (exit: UnexpectedExit) => void,
  ): Promise<KeyturnInstance> {
    return new KeyturnInstance(name, await freePort(), env, logDirectory, onUnexpectedExit);
  }

  async start(): Promise<void> {
    const log = openSync(this.logFile, 'a');
    const { VITEST: _vitest, ...inherited } = process.env;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: repositoryRoot,
      env: {
        ...inherited,
        ...this.env,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        ISSUER: this.url,
      },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    running.add(child);
    child.once('exit', () => running.delete(child));
    this.child = child;
    this.stopping = false;
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      this.onUnexpectedExit({ instance: this.name, at: Date.now(), code, signal });
    });
    await this.ready(90_000);
  }

  /** Resolves once GET /readyz answers 200 (the database answers and every migration is applied). */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child?.exitCode !== null && this.child?.exitCode !== undefined)
        throw new Error(`instance ${this.name} exited (${this.child.exitCode}); see ${this.logFile}`);
      try {
        const response = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2_000) });
        await response.arrayBuffer();
        if (response.ok) return;
      } catch {}
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`instance ${this.name} not ready within ${timeoutMs} ms; see ${this.logFile}`);
  }

  /** SIGTERM, then waits for the exit (SIGKILL after `killAfterMs`); resolves with the exit code. */
  async stop(killAfterMs = 30_000): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    this.stopping = true;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    const code = await exited;
    clearTimeout(timer);
    this.stopExits.push(code);
    return code;
  }
}
