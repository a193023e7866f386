// The configuration table of docs/configuration.md, made from ./settings.ts: variable, default (per mode
// where it differs) and what it does. `keyturn config table` prints it; a test keeps the docs in step.
import {
  type Mode,
  oemEnvPrefix,
  oemProviderIds,
  requiredInProduction,
  type Setting,
  settings,
} from './settings.ts';

function shownDefault(entry: Setting, mode: Mode): string {
  const parsed = entry.schema(mode).safeParse(undefined);
  if (!parsed.success || parsed.data === undefined) return '–';
  const value = parsed.data;
  return `\`${Array.isArray(value) ? value.join(',') : String(value)}\``;
}

export function configurationTable(): string {
  const rows = ['| variable | default | what it does |', '| --- | --- | --- |'];
  let group = '';
  for (const [name, entry] of Object.entries(settings) as Array<[string, Setting]>) {
    if (entry.group !== group) {
      group = entry.group;
      rows.push(`| **${group}** | | |`);
    }
    const development = shownDefault(entry, 'development');
    const inProduction = shownDefault(entry, 'production');
    const shown = development === inProduction ? development : `${development} (production: ${inProduction})`;
    rows.push(`| \`${name}\` | ${shown} | ${entry.description.replace(/\|/g, '\\|')} |`);
  }
  rows.push('| **Makers** | | |');
  for (const provider of oemProviderIds) {
    const prefix = oemEnvPrefix(provider);
    rows.push(
      `| \`${prefix}_URL\`, \`${prefix}_API_KEY\`, \`${prefix}_WEBHOOK_SECRET\` | – (development: the OEM simulator) | The ${provider} clearance API, its key, and the \`whsec_…\` secret it signs callbacks with; set together (${requiredInProduction.has(provider) ? 'required in production' : 'optional: without it, fleets cannot register its vehicles'}). |`,
    );
  }
  return rows.join('\n');
}
