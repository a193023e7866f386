// `keyturn` — the operator's CLI. Every command but `migrate` and `worker` runs on the same container as
// the server, prints one JSON document on stdout and exits 0; problems go to stderr with a non-zero exit
// (2 for a wrong command line).

import { configurationTable } from '../config/docs-table.ts';
import { configOrExit } from '../config/index.ts';
import { buildContainer } from '../container.ts';
import { openDatabase } from '../db/index.ts';
import { KeyturnError } from '../errors.ts';
import { runWorker } from '../worker.ts';
import { type Command, UsageError } from './command.ts';
import { appCommands } from './commands/apps.ts';
import { consumerCommands } from './commands/consumers.ts';
import { eventCommands } from './commands/events.ts';
import { fleetCommands } from './commands/fleets.ts';
import { jobCommands } from './commands/jobs.ts';

const commands: Record<string, Command> = {
  ...appCommands,
  ...consumerCommands,
  ...fleetCommands,
  ...jobCommands,
  ...eventCommands,
};

const usage = [
  'Usage:',
  ...Object.values(commands).map((command) => `  keyturn ${command.usage}`),
  '  keyturn config table   (the configuration variables, as a Markdown table)',
  '  keyturn migrate',
  '  keyturn worker',
].join('\n');

const print = (value: unknown): void => {
  process.stdout.write(typeof value === 'string' ? `${value}\n` : `${JSON.stringify(value, null, 2)}\n`);
};

function explain(error: unknown): number {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`keyturn: ${(error as Error).message}\n${usage}\n`);
    return 2;
  }
  if (error instanceof KeyturnError && error.expose) {
    const problems = (error.messageValues.problems as string[] | undefined) ?? [
      String((error as Error & { cause?: unknown }).cause ?? error.code),
    ];
    const what = error.code.replace(/_/g, ' ');
    process.stderr.write(`keyturn: ${what}\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 1;
  }
  process.stderr.write(`keyturn: ${(error as Error).message}\n`);
  return 1;
}

async function migrate(): Promise<number> {
  const config = configOrExit();
  const database = openDatabase({ databaseUrl: config.databaseUrl, sqliteFile: config.sqliteFile });
  try {
    print({ applied: await database.migrate() });
    return 0;
  } catch (error) {
    return explain(error);
  } finally {
    await database.close();
  }
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv.includes('--help')) {
    print(usage);
    return argv.length === 0 ? 2 : 0;
  }
  // A command is one word (`usage`) or two (`apps add`); its options start with `--`.
  const [group, second, ...rest] = argv;
  const oneWord = second === undefined || second.startsWith('--');
  const name = oneWord ? String(group) : `${group} ${second}`;
  const args = oneWord ? argv.slice(1) : rest;
  if (name === 'config table') {
    print(configurationTable());
    return 0;
  }
  if (name === 'migrate') return migrate();
  if (name === 'worker') {
    await runWorker(configOrExit());
    return 0;
  }
  const command = commands[name];
  if (!command) return explain(new UsageError(`unknown command: ${argv.join(' ')}`));
  const config = configOrExit();
  const container = await buildContainer({
    ...config,
    logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel,
  });
  try {
    print(await command.run(container, args));
    return 0;
  } catch (error) {
    return explain(error);
  } finally {
    await container.close();
  }
}

process.exit(await main(process.argv.slice(2)));
