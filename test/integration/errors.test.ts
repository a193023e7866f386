import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningKeyturn, startKeyturn } from '../support/keyturn.ts';

// The one error path, exercised on the app's request handler directly (supertest, no listening socket).
describe('error rendering', () => {
  let keyturn: RunningKeyturn;
  const handler = () => keyturn.app.callback();

  beforeAll(async () => {
    keyturn = await startKeyturn();
  });
  afterAll(() => keyturn?.close());

  it('GET /no-such-page › a localized 404 page with security headers, never a stack trace', async () => {
    const response = await request(handler()).get('/no-such-page').set('accept-language', 'de');
    expect(response.status).toBe(404);
    expect(response.type).toBe('text/html');
    expect(response.text).toContain('lang="de"');
    expect(response.text).not.toMatch(/at \w+ \(|node_modules|Error:/);
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['cache-control']).toBe('no-store');
    // A way forward: to the owner's account, in the page's language.
    expect(response.text).toContain('href="/account"');
    expect(response.text).toContain('Zu Ihrem Keyturn-Konto');
  });

  it('GET /favicon.ico › Keyturn’s icon, cached, not a 404', async () => {
    const response = await request(handler()).get('/favicon.ico');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('image/svg+xml');
    expect(response.headers['cache-control']).toContain('max-age');
    expect(String(response.body ?? response.text)).toContain('<svg');
  });

  it('GET /v1/authorization › JSON errors for API clients', async () => {
    const response = await request(handler()).get('/v1/authorization');
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ error: 'invalid_token' });
    expect(typeof response.body.error_description).toBe('string');
  });

  it('POST /account/password › a body over the form limit gets 413, not a 500', async () => {
    const response = await request(handler())
      .post('/account/password')
      .type('form')
      .send(`token=${'x'.repeat(40_000)}`);
    expect(response.status).toBe(413);
    expect(response.text).not.toContain('PayloadTooLargeError');
  });

  it('POST /callbacks/bmw › a non-JSON body without signature is 401 JSON, nothing else', async () => {
    const response = await request(handler())
      .post('/callbacks/bmw')
      .set('content-type', 'text/plain')
      .send('hello');
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('invalid_signature');
  });
});
