// Baseline peer: stock oidc-provider 9, in-memory adapter, static clients, introspection on, dev interactions.
// Its store is the library's own LRU, enlarged so seeded tokens and codes are not evicted mid-run. With
// PEER_SQLITE_FILE set, it stores everything in that SQLite file instead (./peer-sqlite-adapter.ts).
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import LRU from 'oidc-provider/lib/helpers/lru.js';
import { peerSqliteAdapter } from './peer-sqlite-adapter.ts';

// The library's own MemoryAdapter over its own LRU store, sized 2M entries instead of the default 1,000.
const store = new LRU({ maxSize: 2_000_000 });

const port = Number(process.env.PORT ?? 3000);
const issuer = `http://127.0.0.1:${port}`;
export const peerRedirectUri = 'http://127.0.0.1:9/callback';
const scope = 'location mileage';

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'peer-app',
      client_secret: 'peer-app-secret-0123456789abcdef0123456789',
      redirect_uris: [peerRedirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: 'peer-consumer',
      client_secret: 'peer-consumer-secret-0123456789abcdef012345',
      redirect_uris: [],
      grant_types: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  adapter: (process.env.PEER_SQLITE_FILE
    ? peerSqliteAdapter(process.env.PEER_SQLITE_FILE)
    : (model: string) => new MemoryAdapter(model, store, 0)) as never,
  cookies: { keys: ['peer-cookie-key-0123456789abcdef0123456789abcdef'] },
  scopes: ['openid', 'offline_access', 'location', 'mileage'],
  features: { introspection: { enabled: true }, devInteractions: { enabled: true } },
  // Same token-endpoint work as Keyturn: a refresh token is issued whenever the client may use one.
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
});

const verifier = randomBytes(32).toString('base64url');
const challenge = createHash('sha256').update(verifier).digest('base64url');

async function newGrant(accountId: string) {
  const grant = new provider.Grant({ accountId, clientId: 'peer-app' });
  grant.addOIDCScope(scope);
  return grant.save();
}

/** Tokens and codes made in-process, as the library's own flow would store them. */
async function seed(tokens: number, codes: number) {
  const out = { tokens: [] as string[], codes: [] as string[], verifier };
  for (let i = 0; i < tokens; i++) {
    const accountId = `owner-${i}`;
    const grantId = await newGrant(accountId);
    const token = new provider.AccessToken({
      accountId,
      clientId: 'peer-app',
      grantId,
      scope,
      gty: 'authorization_code',
    } as never);
    out.tokens.push(await token.save());
  }
  for (let i = 0; i < codes; i++) {
    const accountId = `coder-${i}`;
    const grantId = await newGrant(accountId);
    const code = new provider.AuthorizationCode({
      accountId,
      clientId: 'peer-app',
      grantId,
      scope,
      redirectUri: peerRedirectUri,
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
    } as never);
    out.codes.push(await code.save());
  }
  return out;
}

const callback = provider.callback();
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', issuer);
  if (url.pathname === '/healthz') {
    res.setHeader('content-type', 'application/json');
    res.end('{"status":"ok"}');
    return;
  }
  if (url.pathname === '/bench/seed') {
    seed(Number(url.searchParams.get('tokens') ?? 0), Number(url.searchParams.get('codes') ?? 0)).then(
      (out) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(out));
      },
      (error: Error) => {
        res.statusCode = 500;
        res.end(String(error.stack));
      },
    );
    return;
  }
  callback(req, res);
});
server.listen(port, '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  process.exit(0);
});
