// One openid-client configuration per Keyturn client: the issuer's metadata by OpenID Connect Discovery,
// the client authenticated with HTTP Basic (RFC 6749 §2.3.1). Plain http is accepted for a loopback
// issuer (development) or when asked for explicitly; anything else must use https.
import * as oauth from 'openid-client';

export interface ClientCredentials {
  /** Keyturn's address, e.g. `https://keyturn.example`. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Allow an `http:` issuer that is not on loopback (never in production). */
  allowInsecureHttp?: boolean;
}

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

export function mayUseHttp(issuer: URL, allowInsecureHttp = false): boolean {
  return issuer.protocol === 'http:' && (allowInsecureHttp || loopbackHosts.has(issuer.hostname));
}

/** Discovers the issuer once, on first use, and hands out the same configuration afterwards. */
export function lazyConfiguration(credentials: ClientCredentials): () => Promise<oauth.Configuration> {
  let configuration: Promise<oauth.Configuration> | undefined;
  return function configurationOf() {
    configuration ??= discover(credentials).catch((error: unknown) => {
      configuration = undefined;
      throw error;
    });
    return configuration;
  };
}

async function discover(credentials: ClientCredentials): Promise<oauth.Configuration> {
  const issuer = new URL(credentials.issuer);
  return oauth.discovery(
    issuer,
    credentials.clientId,
    undefined,
    oauth.ClientSecretBasic(credentials.clientSecret),
    mayUseHttp(issuer, credentials.allowInsecureHttp) ? { execute: [oauth.allowInsecureRequests] } : {},
  );
}
