// Scenario: RFC 7662 introspection of random approved tokens by a data consumer (Keyturn or the peer).
import { basicAuth, type ClientCredentials } from '../flows.ts';
import type { LoadSpec } from '../load.ts';
import type { ServerHandle } from '../server-process.ts';
import {
  atHalfCapacity,
  type Engine,
  pick,
  repeated,
  row,
  type ScenarioResult,
  type Settings,
} from './common.ts';

const activeAnswer = '"active":true';

export function introspectionLoad(
  server: ServerHandle,
  consumer: ClientCredentials,
  tokens: string[],
  connections: number,
): LoadSpec {
  return {
    url: server.url,
    connections,
    duration: 1,
    request: {
      method: 'POST',
      path: '/token/introspection',
      headers: { authorization: basicAuth(consumer), 'content-type': 'application/x-www-form-urlencoded' },
      body: () => `token=${pick(tokens)}&token_type_hint=access_token`,
    },
    // Every seeded token is approved: anything but an active answer is a failure.
    accept: (body) => body.includes(activeAnswer),
  };
}

export async function introspectionScenario(
  settings: Settings,
  server: ServerHandle,
  options: {
    name: string;
    engine: Engine;
    system: 'keyturn' | 'peer';
    consumer: ClientCredentials;
    tokens: string[];
  },
): Promise<ScenarioResult> {
  const spec = introspectionLoad(server, options.consumer, options.tokens, settings.connections);
  const sample = await repeated(server, settings, spec);
  const half = await atHalfCapacity(server, settings, spec, sample.rps, activeAnswer);
  const result = row(
    { name: options.name, engine: options.engine, kind: 'introspection', system: options.system },
    sample,
    server,
  );
  result.p99_half_ms = half.p99;
  result.busy_half_pct = (half.rps * half.cpuUsPerReq) / 1e4;
  result.errors += half.errors;
  result.non2xx += half.non2xx;
  return result;
}
