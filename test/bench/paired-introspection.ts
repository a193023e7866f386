// Introspection's CPU per request for two or more builds of the server side by side: each build runs as its
// own process on core 0 against the same cached SQLite data set, and their measured runs take turns round
// by round, so a host that speeds up or slows down meets each alike. Prints each build's median and the
// median of the per-round ratios to the first build: for changes of a few per cent, which full runs made
// minutes apart cannot separate from the host's drift.
// Usage: npm run build && npx tsx test/bench/paired-introspection.ts --dist dist --dist <other build>/dist
//        [--rounds 21] [--seconds 2] [--grants 10000]
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../../src/paths.ts';
import { randomTokens } from './dataset.ts';
import { keyturnEnv } from './keyturn-env.ts';
import { measured, median, runLoad } from './load.ts';
import { introspectionLoad } from './scenarios/introspection.ts';
import { sqliteDataset } from './seed-sqlite.ts';
import { type ServerHandle, startServer } from './server-process.ts';

const { values } = parseArgs({
  options: {
    dist: { type: 'string', multiple: true, default: ['dist'] },
    rounds: { type: 'string', default: '21' },
    seconds: { type: 'string', default: '2' },
    grants: { type: 'string', default: '10000' },
  },
});
const builds = (values.dist as string[]).map((folder) => resolve(projectRoot, folder));
const grants = Number(values.grants);

// The load stays on core 1, the servers on core 0.
execFileSync('taskset', ['-a', '-cp', '1', String(process.pid)], { stdio: 'ignore' });
const set = await sqliteDataset({ connected: grants, pendingValidation: 0, codes: 0 });
const tokens = randomTokens(set.meta, 100_000);
const servers: ServerHandle[] = [];
// Named by position too, so one build given twice (to see the noise floor) is measured as two.
for (const [i, dist] of builds.entries())
  servers.push(
    await startServer({
      name: `${i + 1}. ${dist}`,
      script: 'src/main.ts',
      compiled: join(dist, 'src', 'main.js'),
      env: keyturnEnv({ sqliteFile: set.file }),
      withIssuer: true,
    }),
  );

const load = (server: ServerHandle, seconds: number) => ({
  ...introspectionLoad(server, set.meta.consumer, tokens, 10),
  duration: seconds,
});
const perRequest = new Map<string, number[]>(servers.map((server) => [server.name, []]));
try {
  for (const server of servers) await runLoad(load(server, 3));
  for (let round = 0; round < Number(values.rounds); round++) {
    // Every other round in reverse order, so no build always runs right after the same one.
    const order = round % 2 === 0 ? servers : [...servers].reverse();
    for (const server of order) {
      const sample = await measured(server, () => runLoad(load(server, Number(values.seconds))));
      if (sample.errors > 0 || sample.non2xx > 0) throw new Error(`${server.name}: failed requests`);
      perRequest.get(server.name)?.push(sample.cpuUsPerReq);
    }
  }
} finally {
  for (const server of servers) await server.stop();
}

const first = perRequest.get(servers[0]?.name ?? '') ?? [];
for (const [build, runs] of perRequest) {
  const ratios = runs.map((value, i) => value / (first[i] as number));
  process.stdout.write(
    `${build}: introspection ${grants} grants, cpu µs/req median ${median(runs).toFixed(0)}, ` +
      `×first build per round median ${median(ratios).toFixed(3)} (${runs.length} rounds)\n`,
  );
}
