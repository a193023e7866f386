// The version of the consent wording an owner is shown: a content hash of the page's template and of every
// string the page can show in that locale (the journey's strings, the data points' labels and details).
// A consent record keeps it, so a later change of wording is visible, and the same wording always hashes
// the same on every instance.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Locale, stringsOf } from '../i18n/index.ts';
import { viewsDirectory } from '../paths.ts';

/** The pages where an owner consents: the journey's permissions step, and asking a maker again. */
const consentPages = {
  journey: ['journey/permissions.njk', ['journey', 'domain']],
  request_again: ['account/request-again.njk', ['request_again', 'domain']],
} as const satisfies Record<string, readonly [string, readonly string[]]>;

export type ConsentPage = keyof typeof consentPages;

/** JSON with object keys sorted, so the hash depends on the strings and not on their order in the file. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const versions = new Map<string, string>();

/** The hex SHA-256 of the page's template and its strings in `locale`; computed once per process. */
export function consentTextVersion(page: ConsentPage, locale: Locale): string {
  const key = `${page}:${locale}`;
  let version = versions.get(key);
  if (version === undefined) {
    const [template, namespaces] = consentPages[page];
    const hash = createHash('sha256').update(readFileSync(join(viewsDirectory, template)));
    for (const namespace of namespaces)
      hash.update(`\u0000${namespace}\u0000${canonical(stringsOf(locale, namespace))}`);
    version = hash.digest('hex');
    versions.set(key, version);
  }
  return version;
}
