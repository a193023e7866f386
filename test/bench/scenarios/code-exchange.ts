// Scenario: authorization code + PKCE (S256) redemption at the token endpoint, one unused code per request.
import { basicAuth, benchRedirectUri, type ClientCredentials } from '../flows.ts';
import type { ServerHandle } from '../server-process.ts';
import { type Engine, repeatedConsuming, row, type ScenarioResult, type Settings } from './common.ts';

export async function codeExchangeScenario(
  settings: Settings,
  server: ServerHandle,
  options: {
    name: string;
    engine: Engine;
    system: 'keyturn' | 'peer';
    app: ClientCredentials;
    codes: string[];
    verifier: string;
  },
): Promise<ScenarioResult> {
  let cursor = 0;
  const redirect = encodeURIComponent(benchRedirectUri);
  const spec = {
    url: server.url,
    connections: settings.connections,
    duration: 1,
    request: {
      method: 'POST',
      path: '/token',
      headers: { authorization: basicAuth(options.app), 'content-type': 'application/x-www-form-urlencoded' },
      body: () =>
        `grant_type=authorization_code&code=${options.codes[cursor++] ?? 'exhausted'}&redirect_uri=${redirect}&code_verifier=${options.verifier}`,
    },
    accept: (body: string) => body.includes('"access_token"'),
  };
  const sample = await repeatedConsuming(server, settings, spec, () => options.codes.length - cursor);
  return row(
    { name: options.name, engine: options.engine, kind: 'code_exchange', system: options.system },
    sample,
    server,
  );
}
