// X-Request-Id over real HTTP: a valid id a caller sends (1–64 of A–Z a–z 0–9 . _ -, not VIN-shaped) is
// kept, anything else is replaced by a new UUID; the id is sent back, written in the request's log line
// and in the error-level line of a request that failed, and shown on the HTML error page as the reference
// a user can quote.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningKeyturn, startKeyturn } from '../support/keyturn.ts';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface LogLine {
  level: number;
  msg: string;
  requestId?: string;
  path?: string;
  status?: number;
}

/** A log destination that keeps every line it is given. */
function logCapture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const parsed = (): LogLine[] =>
    lines
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
  return { stream, parsed };
}

describe('X-Request-Id', () => {
  let keyturn: RunningKeyturn;
  const log = logCapture();

  beforeAll(async () => {
    keyturn = await startKeyturn({ LOG_LEVEL: 'info' }, undefined, { logDestination: log.stream });
  });
  afterAll(async () => {
    await keyturn?.close();
  });

  const requestIdOf = async (path: string, headers: Record<string, string> = {}) =>
    (await fetch(`${keyturn.url}${path}`, { headers })).headers.get('x-request-id');

  it('GET /.well-known/openid-configuration › sends back a valid X-Request-Id the caller sent', async () => {
    for (const id of ['a', 'trace-42.B_x', 'x'.repeat(64)])
      expect(await requestIdOf('/.well-known/openid-configuration', { 'x-request-id': id })).toBe(id);
  });

  it('GET /healthz › replaces a missing, too long, ill-formed or VIN-shaped X-Request-Id with a new UUID', async () => {
    const ids = [
      await requestIdOf('/healthz'),
      await requestIdOf('/healthz', { 'x-request-id': 'x'.repeat(65) }),
      await requestIdOf('/healthz', { 'x-request-id': 'has space' }),
      await requestIdOf('/healthz', { 'x-request-id': 'semi;colon' }),
      await requestIdOf('/healthz', { 'x-request-id': 'ümlaut' }),
      // Logged verbatim otherwise, and a log never holds a VIN.
      await requestIdOf('/healthz', { 'x-request-id': 'WBA8E9G50GNT12345' }),
    ];
    for (const id of ids) expect(id).toMatch(uuid);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('POST /token/introspection › the request log line carries the id', async () => {
    const response = await fetch(`${keyturn.url}/token/introspection`, {
      method: 'POST',
      headers: { 'x-request-id': 'log-line-check-1', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=abc',
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('x-request-id')).toBe('log-line-check-1');
    const line = log
      .parsed()
      .find((entry) => entry.msg === 'request' && entry.requestId === 'log-line-check-1');
    expect(line).toMatchObject({ path: '/token/introspection', status: 401 });
  });

  it('GET /no-such-page › the HTML error page shows the reference, in English and German', async () => {
    const english = await fetch(`${keyturn.url}/no-such-page`, {
      headers: { accept: 'text/html', 'x-request-id': 'support-ref-7' },
    });
    expect(english.status).toBe(404);
    expect(english.headers.get('x-request-id')).toBe('support-ref-7');
    expect(await english.text()).toContain('Reference: support-ref-7');
    const german = await fetch(`${keyturn.url}/no-such-page`, {
      headers: { accept: 'text/html', 'accept-language': 'de', 'x-request-id': 'support-ref-8' },
    });
    expect(await german.text()).toContain('Referenz: support-ref-8');
    const generated = await fetch(`${keyturn.url}/no-such-page`, { headers: { accept: 'text/html' } });
    const id = generated.headers.get('x-request-id') ?? '';
    expect(id).toMatch(uuid);
    expect(await generated.text()).toContain(`Reference: ${id}`);
  });

  it('GET /v1/authorization › a request that fails with 500 logs its id at error level and sends it back', async () => {
    // The token store's table is gone: the lookup fails with a real database error.
    await keyturn.database.query().raw('alter table oidc_payloads rename to oidc_payloads_gone');
    try {
      const response = await fetch(`${keyturn.url}/v1/authorization`, {
        headers: { authorization: 'Bearer some-access-token', 'x-request-id': 'failed-request-9' },
      });
      expect(response.status).toBe(500);
      expect(response.headers.get('x-request-id')).toBe('failed-request-9');
      const failure = log
        .parsed()
        .find((entry) => entry.msg === 'request failed' && entry.requestId === 'failed-request-9');
      expect(failure?.level).toBe(50);
    } finally {
      await keyturn.database.query().raw('alter table oidc_payloads_gone rename to oidc_payloads');
    }
  });
});
