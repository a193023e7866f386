// Client authentication for the endpoints Keyturn serves itself (RFC 6749 §2.3.1): client_secret_basic
// (credentials form-urlencoded inside the Basic header) or client_secret_post; secrets compared by hash
// in constant time against the same client records oidc-provider uses.
import { secretMatches } from '../security/secrets.ts';
import type { ClientLoader } from './adapter.ts';

export interface AuthenticatedClient {
  clientId: string;
  role: unknown;
}

export type Credentials = { clientId: string; secret: string } | 'missing' | 'malformed';

export function presentedCredentials(
  authorization: string | undefined,
  body: Record<string, unknown>,
): Credentials {
  const basic = /^Basic ([A-Za-z0-9+/]+=*)$/i.exec(authorization ?? '');
  const posted = typeof body.client_id === 'string' || typeof body.client_secret === 'string';
  if (basic?.[1]) {
    if (posted) return 'malformed';
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    if (separator < 1) return 'malformed';
    try {
      return {
        clientId: decodeURIComponent(decoded.slice(0, separator).replace(/\+/g, ' ')),
        secret: decodeURIComponent(decoded.slice(separator + 1).replace(/\+/g, ' ')),
      };
    } catch {
      return 'malformed';
    }
  }
  if (authorization) return 'malformed';
  if (typeof body.client_id === 'string' && typeof body.client_secret === 'string')
    return { clientId: body.client_id, secret: body.client_secret };
  return 'missing';
}

/** The client when the credentials are right; undefined otherwise. */
export async function authenticateClient(
  loadClient: ClientLoader,
  credentials: { clientId: string; secret: string },
): Promise<AuthenticatedClient | undefined> {
  const client = await loadClient(credentials.clientId);
  if (!client || typeof client.client_secret !== 'string') return undefined;
  if (!secretMatches(credentials.secret, client.client_secret)) return undefined;
  return { clientId: credentials.clientId, role: client.keyturn_role };
}
