// `keyturn` — the operator's CLI: apps add|list, consumers add|list, migrate, worker.
// Output is one JSON document on stdout; problems go to stderr with a non-zero exit code.
import { parseArgs } from 'node:util';
import { buildApp } from '../app.ts';
import { registerApp, registerConsumer } from '../apps/register.ts';
import { KeyturnError } from '../errors.ts';
import { configOrExit, openRuntime, type Runtime } from '../runtime.ts';
import { appsRepository } from '../storage/apps.ts';
import { consumersRepository } from '../storage/consumers.ts';
import { migrateToLatest } from '../storage/migrate.ts';

const usage = `Usage:
  keyturn apps add --name N --redirect-uri U [--redirect-uri U2] --brand B [--brand B2] --scope S [--scope S2]
                   [--logo-uri U] [--webhook-url U]
  keyturn apps list
  keyturn consumers add --name N
  keyturn consumers list
  keyturn migrate
  keyturn worker`;

class UsageError extends Error {}

const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

function appOptions(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      name: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      brand: { type: 'string', multiple: true },
      scope: { type: 'string', multiple: true },
      'logo-uri': { type: 'string' },
      'webhook-url': { type: 'string' },
    },
    strict: true,
  });
  return {
    name: values.name ?? '',
    redirectUris: values['redirect-uri'] ?? [],
    brands: values.brand ?? [],
    scopes: values.scope ?? [],
    logoUri: values['logo-uri'],
    webhookUrl: values['webhook-url'],
  };
}

async function run(runtime: Runtime, command: string[]): Promise<void> {
  const { knex } = runtime.database;
  const [group, action, ...rest] = command;
  switch (`${group} ${action ?? ''}`.trim()) {
    case 'apps add':
      return print(await registerApp(appsRepository(knex), appOptions(rest)));
    case 'apps list':
      return print(
        (await appsRepository(knex).list()).map(({ clientSecretHash, webhookSecret, ...app }) => ({
          client_id: app.clientId,
          name: app.name,
          redirect_uris: app.redirectUris,
          brands: app.brands,
          scopes: app.scopes,
          logo_uri: app.logoUri,
          webhook_url: app.webhookUrl,
        })),
      );
    case 'consumers add': {
      const { values } = parseArgs({ args: rest, options: { name: { type: 'string' } }, strict: true });
      return print(await registerConsumer(consumersRepository(knex), values.name ?? ''));
    }
    case 'consumers list':
      return print(
        (await consumersRepository(knex).list()).map((c) => ({ client_id: c.clientId, name: c.name })),
      );
    case 'migrate':
      return print({ applied: await migrateToLatest(knex) });
    case 'worker': {
      const keyturn = await buildApp(runtime);
      keyturn.worker.start();
      runtime.logger.info('worker started');
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
      await keyturn.worker.stop();
      return;
    }
    default:
      throw new UsageError(`unknown command: ${command.join(' ') || '(none)'}`);
  }
}

const command = process.argv.slice(2);
if (command.length === 0 || command.includes('--help')) {
  process.stdout.write(`${usage}\n`);
  process.exit(command.length === 0 ? 2 : 0);
}
const config = configOrExit();
const runtime = await openRuntime(
  { ...config, logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel },
  { migrate: command[0] !== 'migrate' },
);
let exitCode = 0;
try {
  await run(runtime, command);
} catch (error) {
  exitCode = 1;
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`keyturn: ${(error as Error).message}\n${usage}\n`);
    exitCode = 2;
  } else if (error instanceof KeyturnError && error.expose) {
    const problems = (error.messageValues.problems as string[] | undefined) ?? [
      String((error as Error & { cause?: unknown }).cause ?? error.code),
    ];
    process.stderr.write(`keyturn: invalid input\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  } else {
    process.stderr.write(`keyturn: ${(error as Error).message}\n`);
  }
} finally {
  await runtime.database.close();
}
process.exit(exitCode);
