// The tables in docs/ that are made from the code (configuration, clearance states and moves) are the
// code's own: each sits between markers in its document and must equal what the code makes now.
// `npm run docs:tables` writes them.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configurationTable } from '../../src/config/docs-table.ts';
import { loadConfig } from '../../src/config/index.ts';
import { movesTable, statusTable } from '../../src/domain/clearance/docs-table.ts';
import { retryHorizonMs } from '../../src/outbox/worker.ts';

const tables = [
  { file: 'docs/configuration.md', name: 'configuration', make: configurationTable },
  { file: 'docs/relay.md', name: 'clearance-statuses', make: statusTable },
  { file: 'docs/relay.md', name: 'clearance-moves', make: movesTable },
];

const between = (name: string) =>
  new RegExp(`(<!-- generated: ${name} -->\\n)[\\s\\S]*?(\\n<!-- end: ${name} -->)`);

describe('generated tables in docs/', () => {
  it.each(tables)('$file holds the $name table the code makes', ({ file, name, make }) => {
    const path = new URL(`../../${file}`, import.meta.url);
    const text = readFileSync(path, 'utf8');
    expect(text, `${file} lacks the markers of ${name}`).toMatch(between(name));
    const fresh = text.replace(between(name), `$1${make()}$2`);
    if (process.env.UPDATE_DOCS) writeFileSync(path, fresh);
    else expect(text, `${file} is out of date: npm run docs:tables`).toBe(fresh);
  });
});

describe('docs/relay.md', () => {
  it('states the retry horizon the default settings give', () => {
    const { relay } = loadConfig({});
    const { shortest, longest } = retryHorizonMs({
      maxAttempts: relay.maxAttempts,
      baseDelayMs: relay.retryBaseMs,
      maxDelayMs: relay.retryMaxMs,
    });
    const hours = (ms: number) => (ms / 3_600_000).toFixed(1);
    const days = (ms: number) => (ms / 86_400_000).toFixed(1);
    const text = readFileSync(new URL('../../docs/relay.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
    expect(text).toContain(
      `the last attempt comes ${hours(shortest)} to ${hours(longest)} hours (about ${days(shortest)} to ${days(longest)} days) after the first`,
    );
  });
});
