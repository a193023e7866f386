// `keyturn consumers …`: register data consumers (services that introspect tokens) and list them.
import { parseArgs } from 'node:util';
import { registerConsumer } from '../../apps/register.ts';
import type { Command } from '../command.ts';

export const consumerCommands: Record<string, Command> = {
  'consumers add': {
    usage: 'consumers add --name N',
    async run(container, args) {
      const { values } = parseArgs({ args, options: { name: { type: 'string' } }, strict: true });
      return registerConsumer(container.repositories.consumers, values.name ?? '');
    },
  },
  'consumers list': {
    usage: 'consumers list',
    run: async (container) =>
      (await container.repositories.consumers.list()).map((c) => ({ client_id: c.clientId, name: c.name })),
  },
};
