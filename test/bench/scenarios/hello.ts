// Baseline scenario: GET a small JSON body from bare Koa — the ceiling of any Koa service on this machine.
import type { ServerHandle } from '../server-process.ts';
import { repeated, row, type ScenarioResult, type Settings } from './common.ts';

export async function helloScenario(settings: Settings, server: ServerHandle): Promise<ScenarioResult> {
  const sample = await repeated(server, settings, {
    url: server.url,
    connections: settings.connections,
    duration: 1,
    request: { method: 'GET', path: '/' },
    accept: (body) => body.includes('"hello"'),
  });
  return row({ name: 'hello JSON', engine: 'memory', kind: 'hello', system: 'koa' }, sample, server);
}
