// `keyturn apps …`: register third-party apps, list them, rotate their webhook signing secret, enable a
// webhook endpoint disabled after 410 Gone.
import { parseArgs } from 'node:util';
import { registerApp } from '../../apps/register.ts';
import { rotateAppWebhookSecret } from '../../apps/rotate-webhook-secret.ts';
import type { App } from '../../storage/apps.ts';
import { overlapSecondsFrom } from '../../webhooks/signing-secrets.ts';
import { type Command, isoTime, UsageError } from '../command.ts';

/** An app as operators see it: never its secrets. */
export function presentApp(app: App) {
  return {
    client_id: app.clientId,
    name: app.name,
    redirect_uris: app.redirectUris,
    brands: app.brands,
    scopes: app.scopes,
    logo_uri: app.logoUri,
    webhook_url: app.webhookUrl,
    event_types: app.eventTypes,
    webhook_disabled: app.webhookDisabled
      ? { at: isoTime(app.webhookDisabled.at), reason: app.webhookDisabled.reason }
      : null,
  };
}

function needApp(app: string | undefined, command: string): string {
  if (!app) throw new UsageError(`${command} needs --app CLIENT_ID (see apps list)`);
  return app;
}

export const appCommands: Record<string, Command> = {
  'apps add': {
    usage: `apps add --name N --redirect-uri U [--redirect-uri U2] --brand B [--brand B2] --scope S [--scope S2]
                   [--logo-uri U] [--webhook-url U] [--event TYPE] [--event TYPE2]`,
    async run(container, args) {
      const { values } = parseArgs({
        args,
        options: {
          name: { type: 'string' },
          'redirect-uri': { type: 'string', multiple: true },
          brand: { type: 'string', multiple: true },
          scope: { type: 'string', multiple: true },
          'logo-uri': { type: 'string' },
          'webhook-url': { type: 'string' },
          event: { type: 'string', multiple: true },
        },
        strict: true,
      });
      const registration = {
        name: values.name ?? '',
        redirectUris: values['redirect-uri'] ?? [],
        brands: values.brand ?? [],
        scopes: values.scope ?? [],
        logoUri: values['logo-uri'],
        webhookUrl: values['webhook-url'],
        eventTypes: values.event ?? [],
      };
      return registerApp(container.repositories.apps, registration, container.config.webhooks);
    },
  },
  'apps list': {
    usage: 'apps list',
    run: async (container) => (await container.repositories.apps.list()).map(presentApp),
  },
  'apps rotate-webhook-secret': {
    usage: 'apps rotate-webhook-secret --app CLIENT_ID [--overlap SECONDS]   (default 86400: one day)',
    async run(container, args) {
      const { values } = parseArgs({
        args,
        options: { app: { type: 'string' }, overlap: { type: 'string' } },
        strict: true,
      });
      const app = needApp(values.app, 'apps rotate-webhook-secret');
      return rotateAppWebhookSecret(container.repositories.apps, app, overlapSecondsFrom(values.overlap));
    },
  },
  'apps enable-webhook': {
    usage: 'apps enable-webhook --app CLIENT_ID   (after the endpoint answered 410 Gone)',
    async run(container, args) {
      const { values } = parseArgs({ args, options: { app: { type: 'string' } }, strict: true });
      const app = needApp(values.app, 'apps enable-webhook');
      if (!(await container.repositories.apps.enableWebhook(app)))
        throw new UsageError(`no app ${app} (see apps list)`);
      return { client_id: app, webhook_enabled: true };
    },
  },
};
