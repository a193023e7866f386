// `keyturn apps …`: register third-party apps, list them, rotate their webhook signing secret, enable a
// webhook endpoint disabled after 410 Gone.
// The links an app shows on the consent journey (logo, privacy policy, terms) must be https; plain http only
// on a loopback host outside production. Keyturn never fetches them: the owner's browser loads the logo.
// `--profile fapi2 --jwks FILE` registers an app of the FAPI 2.0 Security Profile with its public keys.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  fapi2KeyProblems,
  registerApp,
  registerFapi2App,
  registrationProblems,
} from '../../apps/register.ts';
import { rotateAppWebhookSecret } from '../../apps/rotate-webhook-secret.ts';
import { InvalidInput } from '../../errors.ts';
import type { App, AppsRepository } from '../../storage/apps.ts';
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
    privacy_url: app.privacyUrl ?? null,
    terms_url: app.termsUrl ?? null,
    webhook_url: app.webhookUrl,
    event_types: app.eventTypes,
    security_profile: app.securityProfile ?? 'default',
    webhook_disabled: app.webhookDisabled
      ? { at: isoTime(app.webhookDisabled.at), reason: app.webhookDisabled.reason }
      : null,
  };
}

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

/** What is wrong with an identity link (`--logo-url`, `--privacy-url`, `--terms-url`), if anything. */
export function identityLinkProblem(option: string, value: string, production: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${option} ${value} is not an absolute URL`;
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && !production && loopbackHosts.has(url.hostname)) return undefined;
  return `${option} ${value} must use https${production ? '' : ' (http only on localhost outside production)'}`;
}

/** The apps repository with `links` added to the app it stores, so they are saved in the same insert. */
function withLinks(apps: AppsRepository, links: Pick<App, 'privacyUrl' | 'termsUrl'>): AppsRepository {
  return { ...apps, insert: (app: App) => apps.insert({ ...app, ...links }) };
}

/** The key set `--profile fapi2 --jwks FILE` names, or the problems that keep it from being used. */
function securityProfileOption(
  profile: string | undefined,
  jwksFile: string | undefined,
): { jwks: unknown; problems: string[] } {
  if (profile === undefined || profile === 'default')
    return { jwks: null, problems: jwksFile === undefined ? [] : ['--jwks is only for --profile fapi2'] };
  if (profile !== 'fapi2')
    return { jwks: null, problems: [`unknown --profile ${profile} (default or fapi2)`] };
  if (jwksFile === undefined)
    return { jwks: null, problems: ['--profile fapi2 needs --jwks FILE (the public keys)'] };
  let text: string;
  try {
    text = readFileSync(jwksFile, 'utf8');
  } catch {
    return { jwks: null, problems: [`--jwks file ${jwksFile} cannot be read`] };
  }
  let jwks: unknown;
  try {
    jwks = JSON.parse(text);
  } catch {
    return { jwks: null, problems: [`--jwks file ${jwksFile} is not JSON`] };
  }
  return { jwks, problems: fapi2KeyProblems(jwks) };
}

function needApp(app: string | undefined, command: string): string {
  if (!app) throw new UsageError(`${command} needs --app CLIENT_ID (see apps list)`);
  return app;
}

export const appCommands: Record<string, Command> = {
  'apps add': {
    usage: `apps add --name N --redirect-uri U [--redirect-uri U2] --brand B [--brand B2] --scope S [--scope S2]
                   [--logo-url U] [--privacy-url U] [--terms-url U] [--webhook-url U]
                   [--event TYPE] [--event TYPE2]   (--logo-uri is the same as --logo-url)
                   [--profile default|fapi2 --jwks FILE]   (fapi2: PAR, private_key_jwt with the keys in FILE, DPoP)`,
    async run(container, args) {
      const { values } = parseArgs({
        args,
        options: {
          name: { type: 'string' },
          'redirect-uri': { type: 'string', multiple: true },
          brand: { type: 'string', multiple: true },
          scope: { type: 'string', multiple: true },
          'logo-uri': { type: 'string' },
          'logo-url': { type: 'string' },
          'privacy-url': { type: 'string' },
          'terms-url': { type: 'string' },
          'webhook-url': { type: 'string' },
          event: { type: 'string', multiple: true },
          profile: { type: 'string' },
          jwks: { type: 'string' },
        },
        strict: true,
      });
      const registration = {
        name: values.name ?? '',
        redirectUris: values['redirect-uri'] ?? [],
        brands: values.brand ?? [],
        scopes: values.scope ?? [],
        webhookUrl: values['webhook-url'],
        eventTypes: values.event ?? [],
      };
      const production = container.config.mode === 'production';
      const links = {
        '--logo-url': values['logo-url'] ?? values['logo-uri'],
        '--privacy-url': values['privacy-url'],
        '--terms-url': values['terms-url'],
      };
      const linkProblems = Object.entries(links).flatMap(([option, value]) => {
        const problem = value === undefined ? undefined : identityLinkProblem(option, value, production);
        return problem ? [problem] : [];
      });
      const security = securityProfileOption(values.profile, values.jwks);
      linkProblems.push(...security.problems);
      if (linkProblems.length > 0) {
        // Listed with every other problem of the registration, so one run shows all of them.
        const problems = [...registrationProblems(registration), ...linkProblems];
        throw new InvalidInput({
          messageKey: 'errors:invalid_input',
          messageValues: { problems },
          cause: problems.join('; '),
        });
      }
      const apps = withLinks(container.repositories.apps, {
        privacyUrl: links['--privacy-url'] ?? null,
        termsUrl: links['--terms-url'] ?? null,
      });
      const logoUri = links['--logo-url'];
      const input = { ...registration, ...(logoUri === undefined ? {} : { logoUri }) };
      return security.jwks === null
        ? registerApp(apps, input, container.config.webhooks)
        : registerFapi2App(apps, input, security.jwks, container.config.webhooks);
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
