// `keyturn fleets …`: register fleet operators (an OAuth client for the fleet API, a webhook secret), list
// them, rotate their client secret with an overlap, enable a webhook endpoint disabled after 410 Gone.
import { parseArgs } from 'node:util';
import { registerFleet } from '../../fleets/register-fleet.ts';
import { rotateFleetClientSecret } from '../../fleets/rotate-client-secret.ts';
import type { Fleet } from '../../storage/fleets.ts';
import { overlapSecondsFrom } from '../../webhooks/signing-secrets.ts';
import { type Command, isoTime, UsageError } from '../command.ts';

/** A fleet as operators see it: never its secrets. */
export function presentFleet(fleet: Fleet) {
  return {
    fleet_id: fleet.id,
    client_id: fleet.clientId,
    name: fleet.name,
    admin_email: fleet.adminEmail,
    webhook_url: fleet.webhookUrl,
    event_types: fleet.eventTypes,
    webhook_disabled: fleet.webhookDisabled
      ? { at: isoTime(fleet.webhookDisabled.at), reason: fleet.webhookDisabled.reason }
      : null,
    created_at: isoTime(fleet.createdAt),
  };
}

export const fleetCommands: Record<string, Command> = {
  'fleets add': {
    usage: 'fleets add --name N --admin-email E [--webhook-url U]',
    async run(container, args) {
      const { values } = parseArgs({
        args,
        options: {
          name: { type: 'string' },
          'admin-email': { type: 'string' },
          'webhook-url': { type: 'string' },
        },
        strict: true,
      });
      const { repositories } = container;
      return registerFleet(
        {
          transactions: container.database,
          fleets: repositories.fleets,
          accounts: repositories.accounts,
          members: repositories.fleetMembers,
          outbox: repositories.outbox,
        },
        {
          name: values.name ?? '',
          adminEmail: values['admin-email'] ?? '',
          webhookUrl: values['webhook-url'],
        },
        container.config.webhooks,
      );
    },
  },
  'fleets list': {
    usage: 'fleets list',
    run: async (container) => (await container.repositories.fleets.list()).map(presentFleet),
  },
  'fleets rotate-client-secret': {
    usage: 'fleets rotate-client-secret --fleet FLEET_ID [--overlap SECONDS]   (default 86400: one day)',
    async run(container, args) {
      const { values } = parseArgs({
        args,
        options: { fleet: { type: 'string' }, overlap: { type: 'string' } },
        strict: true,
      });
      if (!values.fleet)
        throw new UsageError('fleets rotate-client-secret needs --fleet FLEET_ID (see fleets list)');
      const overlap = overlapSecondsFrom(values.overlap);
      const rotated = await rotateFleetClientSecret(container.repositories.fleets, values.fleet, overlap);
      if (!rotated) throw new UsageError(`no fleet ${values.fleet} (see fleets list)`);
      return rotated;
    },
  },
  'fleets enable-webhook': {
    usage: 'fleets enable-webhook --fleet FLEET_ID   (after the endpoint answered 410 Gone)',
    async run(container, args) {
      const { values } = parseArgs({ args, options: { fleet: { type: 'string' } }, strict: true });
      if (!values.fleet)
        throw new UsageError('fleets enable-webhook needs --fleet FLEET_ID (see fleets list)');
      if (!(await container.repositories.fleets.enableWebhook(values.fleet)))
        throw new UsageError(`no fleet ${values.fleet} (see fleets list)`);
      return { fleet_id: values.fleet, webhook_enabled: true };
    },
  },
};
