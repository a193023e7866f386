// `keyturn` — the operator's CLI: apps add|list|rotate-webhook-secret, consumers add|list, webhooks
// list|replay, migrate, worker.
// Output is one JSON document on stdout; problems go to stderr with a non-zero exit code.
import { parseArgs } from 'node:util';
import { buildApp } from '../app.ts';
import { registerApp, registerConsumer } from '../apps/register.ts';
import { rotateAppWebhookSecret } from '../apps/rotate-webhook-secret.ts';
import { KeyturnError } from '../errors.ts';
import { scheduleMaintenance } from '../maintenance.ts';
import { configOrExit, openRuntime, type Runtime } from '../runtime.ts';
import { appsRepository } from '../storage/apps.ts';
import { consumersRepository } from '../storage/consumers.ts';
import { openDatabase } from '../storage/database.ts';
import { migrateToLatest } from '../storage/migrate.ts';
import { type JobState, jobStates, outboxRepository } from '../storage/outbox.ts';
import { webhookDeliveriesRepository } from '../storage/webhook-deliveries.ts';
import { overlapSecondsFrom } from '../webhooks/signing-secrets.ts';

const usage = `Usage:
  keyturn apps add --name N --redirect-uri U [--redirect-uri U2] --brand B [--brand B2] --scope S [--scope S2]
                   [--logo-uri U] [--webhook-url U]
  keyturn apps list
  keyturn apps rotate-webhook-secret --app CLIENT_ID [--overlap SECONDS]   (default 86400: one day)
  keyturn apps enable-webhook --app CLIENT_ID   (after the endpoint answered 410 Gone)
  keyturn consumers add --name N
  keyturn consumers list
  keyturn jobs list [--state waiting|retrying|abandoned|done] [--kind KIND] [--limit N]
  keyturn webhooks list [--app CLIENT_ID] [--limit N]
  keyturn webhooks replay JOB_ID
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
      return print(await registerApp(appsRepository(knex), appOptions(rest), runtime.config.webhooks));
    case 'apps list':
      return print(
        (await appsRepository(knex).list()).map(({ clientSecretHash, webhookSecrets, ...app }) => ({
          client_id: app.clientId,
          name: app.name,
          redirect_uris: app.redirectUris,
          brands: app.brands,
          scopes: app.scopes,
          logo_uri: app.logoUri,
          webhook_url: app.webhookUrl,
          webhook_disabled: app.webhookDisabled
            ? { at: new Date(app.webhookDisabled.at).toISOString(), reason: app.webhookDisabled.reason }
            : null,
        })),
      );
    case 'apps enable-webhook': {
      const { values } = parseArgs({ args: rest, options: { app: { type: 'string' } }, strict: true });
      if (!values.app) throw new UsageError('apps enable-webhook needs --app CLIENT_ID (see apps list)');
      if (!(await appsRepository(knex).enableWebhook(values.app)))
        throw new UsageError(`no app ${values.app} (see apps list)`);
      return print({ client_id: values.app, webhook_enabled: true });
    }
    case 'jobs list': {
      const { values } = parseArgs({
        args: rest,
        options: { state: { type: 'string' }, kind: { type: 'string' }, limit: { type: 'string' } },
        strict: true,
      });
      const state = values.state as JobState | undefined;
      if (state !== undefined && !jobStates.includes(state))
        throw new UsageError(`--state must be one of ${jobStates.join(', ')}`);
      const outbox = outboxRepository(knex, runtime.database.engine);
      const jobs = await outbox.list({ state, kind: values.kind, limit: Number(values.limit ?? 50) });
      return print({
        counts: await outbox.counts(),
        jobs: jobs.map((job) => ({
          id: job.id,
          kind: job.kind,
          state: job.state,
          attempts: job.attempts,
          last_error: job.lastError,
          run_at: new Date(job.runAt).toISOString(),
          done_at: job.doneAt === null ? null : new Date(job.doneAt).toISOString(),
          created_at: new Date(job.createdAt).toISOString(),
        })),
      });
    }
    case 'apps rotate-webhook-secret': {
      const { values } = parseArgs({
        args: rest,
        options: { app: { type: 'string' }, overlap: { type: 'string' } },
        strict: true,
      });
      if (!values.app)
        throw new UsageError('apps rotate-webhook-secret needs --app CLIENT_ID (see apps list)');
      const overlapSeconds = overlapSecondsFrom(values.overlap);
      return print(await rotateAppWebhookSecret(appsRepository(knex), values.app, overlapSeconds));
    }
    case 'consumers add': {
      const { values } = parseArgs({ args: rest, options: { name: { type: 'string' } }, strict: true });
      return print(await registerConsumer(consumersRepository(knex), values.name ?? ''));
    }
    case 'consumers list':
      return print(
        (await consumersRepository(knex).list()).map((c) => ({ client_id: c.clientId, name: c.name })),
      );
    case 'webhooks list': {
      const { values } = parseArgs({
        args: rest,
        options: { app: { type: 'string' }, limit: { type: 'string' } },
        strict: true,
      });
      const deliveries = await webhookDeliveriesRepository(knex).list({
        clientId: values.app,
        limit: Number(values.limit ?? 50),
      });
      return print(
        deliveries.map((d) => ({
          job_id: d.jobId,
          webhook_id: d.webhookId,
          client_id: d.clientId,
          event_type: d.eventType,
          url: d.url,
          status_code: d.statusCode,
          error: d.error,
          duration_ms: d.durationMs,
          attempted_at: new Date(d.attemptedAt).toISOString(),
        })),
      );
    }
    case 'webhooks replay': {
      const jobId = Number(rest[0]);
      if (!Number.isInteger(jobId) || jobId <= 0)
        throw new UsageError('webhooks replay needs a JOB_ID (see webhooks list)');
      const replayed = await outboxRepository(knex, runtime.database.engine).replay(jobId);
      if (!replayed) throw new UsageError(`no outbox job ${jobId}`);
      return print({ replayed: jobId });
    }
    case 'worker': {
      const keyturn = await buildApp(runtime);
      keyturn.worker.start();
      const stopMaintenance = scheduleMaintenance(keyturn, runtime.logger);
      runtime.logger.info('worker started');
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
      stopMaintenance();
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
if (command[0] === 'migrate') {
  // Migrations run before the runtime opens: the runtime loads its keys from tables they create.
  const database = openDatabase(config);
  let migrateExitCode = 0;
  try {
    print({ applied: await migrateToLatest(database.knex) });
  } catch (error) {
    migrateExitCode = 1;
    process.stderr.write(`keyturn: ${(error as Error).message}\n`);
  } finally {
    await database.close();
  }
  process.exit(migrateExitCode);
}
const runtime = await openRuntime({
  ...config,
  logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel,
});
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
    const what = error.code.replace(/_/g, ' ');
    process.stderr.write(`keyturn: ${what}\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  } else {
    process.stderr.write(`keyturn: ${(error as Error).message}\n`);
  }
} finally {
  await runtime.database.close();
}
process.exit(exitCode);
