// Registering an app: redirect URIs must be absolute https URLs (http only on a loopback host, RFC 8252
// §7.3) without a fragment (RFC 6749 §3.1.2), also not an empty one.
import { describe, expect, it } from 'vitest';
import { type AppRegistration, redirectUriProblem, registrationProblems } from '../../src/apps/register.ts';

const registration = (redirectUris: string[]): AppRegistration => ({
  name: 'Service X',
  redirectUris,
  brands: ['bmw'],
  scopes: ['location'],
});

describe('app registration', () => {
  it.each([
    ['a fragment', 'https://app.example/callback#done'],
    ['a bare trailing #', 'https://app.example/callback#'],
    ['a bare # after an empty query', 'https://app.example/callback?#'],
    ['a bare # on a loopback host', 'http://127.0.0.1:8080/callback#'],
  ])('redirectUriProblem › refuses a redirect URI with %s', (_, uri) => {
    expect(redirectUriProblem(uri)).toBe(`redirect URI ${uri} must not contain a fragment`);
    expect(registrationProblems(registration([uri]))).toEqual([
      `redirect URI ${uri} must not contain a fragment`,
    ]);
  });

  it.each([
    ['https', 'https://app.example/callback'],
    ['https with a query', 'https://app.example/callback?tenant=1'],
    ['an encoded # in the query', 'https://app.example/callback?next=%23top'],
    ['http on 127.0.0.1', 'http://127.0.0.1:8080/callback'],
    ['http on localhost', 'http://localhost:8080/callback'],
    ['http on [::1]', 'http://[::1]:8080/callback'],
  ])('redirectUriProblem › accepts %s', (_, uri) => {
    expect(redirectUriProblem(uri)).toBeUndefined();
    expect(registrationProblems(registration([uri]))).toEqual([]);
  });

  it.each([
    ['http on a public host', 'http://app.example/callback', 'must use https'],
    ['a relative URL', '/callback', 'is not an absolute URL'],
    ['a custom scheme', 'com.example.app:/callback', 'must use https'],
  ])('redirectUriProblem › refuses %s', (_, uri, problem) => {
    expect(redirectUriProblem(uri)).toContain(problem);
  });
});
