// `keyturn … subscribe`, `keyturn webhooks test` and `keyturn usage`: which vehicle events an app or a fleet
// receives, a signed test event to its endpoint, and a month's usage statement from the ledger (JSON, or
// CSV for a spreadsheet).
import { parseArgs } from 'node:util';
import { checkedEventTypes, eventTypeProblems } from '../../apps/register.ts';
import type { Container } from '../../container.ts';
import { vehicleEventTypes } from '../../domain/vehicle-events.ts';
import { isBillingMonth, statementCsv, usageStatement } from '../../usage/statement.ts';
import { appPingJob, fleetPingJob } from '../../webhooks/kinds.ts';
import { type Command, isoTime, UsageError } from '../command.ts';

const receiverOptions = { app: { type: 'string' }, fleet: { type: 'string' } } as const;

/** The app (`--app CLIENT_ID`) or fleet (`--fleet FLEET_ID`) a command is about, exactly one of them. */
async function receiverNamed(
  container: Container,
  values: { app?: string; fleet?: string },
  command: string,
) {
  if (Boolean(values.app) === Boolean(values.fleet))
    throw new UsageError(`${command} needs --app CLIENT_ID or --fleet FLEET_ID (see apps list, fleets list)`);
  if (values.app) {
    const app = await container.repositories.apps.find(values.app);
    if (!app) throw new UsageError(`no app ${values.app} (see apps list)`);
    return { kind: 'app' as const, id: app.clientId, clientId: app.clientId, webhookUrl: app.webhookUrl };
  }
  const fleet = await container.repositories.fleets.find(String(values.fleet));
  if (!fleet) throw new UsageError(`no fleet ${values.fleet} (see fleets list)`);
  return { kind: 'fleet' as const, id: fleet.id, clientId: fleet.clientId, webhookUrl: fleet.webhookUrl };
}

function subscribeCommand(kind: 'apps' | 'fleets'): Command {
  const who = kind === 'apps' ? '--app CLIENT_ID' : '--fleet FLEET_ID';
  return {
    usage: `${kind} subscribe ${who} --event TYPE [--event TYPE2] | --none   (${vehicleEventTypes.join(', ')})`,
    async run(container, args) {
      const { values } = parseArgs({
        args,
        options: { ...receiverOptions, event: { type: 'string', multiple: true }, none: { type: 'boolean' } },
        strict: true,
      });
      const events = values.event ?? [];
      if (Boolean(values.none) === events.length > 0)
        throw new UsageError(`${kind} subscribe needs --event TYPE (one or more) or --none`);
      const problems = eventTypeProblems(events);
      if (problems.length > 0) throw new UsageError(problems.join('; '));
      const types = checkedEventTypes(events);
      const receiver = await receiverNamed(
        container,
        kind === 'apps' ? { app: values.app ?? '' } : { fleet: values.fleet ?? '' },
        `${kind} subscribe`,
      );
      const { apps, fleets } = container.repositories;
      if (receiver.kind === 'app') await apps.setEventTypes(receiver.id, types);
      else await fleets.setEventTypes(receiver.id, types);
      return {
        [receiver.kind === 'app' ? 'client_id' : 'fleet_id']: receiver.id,
        event_types: [...types].sort(),
      };
    },
  };
}

/** How long `webhooks test` waits to report the first attempt of its ping (made by a running worker). */
const testWaitMs = 10_000;

export const eventCommands: Record<string, Command> = {
  'apps subscribe': subscribeCommand('apps'),
  'fleets subscribe': subscribeCommand('fleets'),
  'webhooks test': {
    usage: 'webhooks test --app CLIENT_ID | --fleet FLEET_ID   (a signed `ping` to its endpoint)',
    async run(container, args) {
      const { values } = parseArgs({ args, options: receiverOptions, strict: true });
      const receiver = await receiverNamed(container, values, 'webhooks test');
      if (!receiver.webhookUrl) throw new UsageError(`${receiver.id} has no webhook URL`);
      const { outbox, webhookDeliveries } = container.repositories;
      const payload = receiver.kind === 'app' ? { clientId: receiver.id } : { fleetId: receiver.id };
      const jobId = await outbox.enqueue(receiver.kind === 'app' ? appPingJob : fleetPingJob, {
        ...payload,
        occurredAt: Date.now(),
      });
      // The running server's (or `keyturn worker`'s) worker delivers it; its first attempt is reported here.
      const until = Date.now() + testWaitMs;
      while (Date.now() < until) {
        const attempt = (await webhookDeliveries.list({ clientId: receiver.clientId, limit: 20 })).find(
          (delivery) => delivery.jobId === jobId,
        );
        if (attempt)
          return {
            job_id: jobId,
            webhook_id: attempt.webhookId,
            url: attempt.url,
            status_code: attempt.statusCode,
            error: attempt.error,
            attempted_at: isoTime(attempt.attemptedAt),
          };
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      return { job_id: jobId, queued: true, note: 'no worker delivered it yet; see webhooks list' };
    },
  },
  usage: {
    usage: 'usage --app CLIENT_ID | --fleet FLEET_ID --month YYYY-MM [--format json|csv]',
    async run(container, args) {
      const { values } = parseArgs({
        args,
        options: { ...receiverOptions, month: { type: 'string' }, format: { type: 'string' } },
        strict: true,
      });
      const receiver = await receiverNamed(container, values, 'usage');
      if (!isBillingMonth(values.month)) throw new UsageError('usage needs --month YYYY-MM');
      const format = values.format ?? 'json';
      if (format !== 'json' && format !== 'csv') throw new UsageError('--format must be json or csv');
      const statement = await usageStatement(
        container.repositories.usageLedger,
        container.config.pricing,
        receiver.clientId,
        values.month,
      );
      return format === 'csv' ? statementCsv(statement).trimEnd() : statement;
    },
  },
};
