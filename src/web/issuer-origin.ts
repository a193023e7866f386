// Every absolute URL Keyturn emits (discovery, redirects, cookies' Secure flag, links) comes from ISSUER,
// never from the request: a Koa app's request prototype answers `protocol`, `host` and `hostname` with the
// issuer's, so a forged Host or X-Forwarded-Host header is never echoed, and cookies are Secure whenever
// the issuer is https, whether TLS ends here or at a proxy. (TRUST_PROXY then only decides which client
// address is believed.)
import type Koa from 'koa';

export function pinToIssuer(app: Koa, issuer: string): void {
  const url = new URL(issuer);
  const protocol = url.protocol.slice(0, -1);
  Object.defineProperties(app.request, {
    protocol: { get: () => protocol, configurable: true },
    host: { get: () => url.host, configurable: true },
    hostname: { get: () => url.hostname, configurable: true },
  });
}
