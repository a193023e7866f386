// Scenario: complete first-time authorizations over HTTP by concurrent owners; journeys/s and CPU per journey.
import { latencyStats, measured, medianSample, type Sample } from '../load.ts';
import type { ServerHandle } from '../server-process.ts';
import { type Engine, row, type ScenarioResult, type Settings } from './common.ts';

type Journey = (n: number) => Promise<{ requests: number }>;

/** Runs journeys from `concurrency` owners at once, for `seconds` or until `journeys` have started. */
async function drive(
  journey: Journey,
  concurrency: number,
  until: { seconds: number } | { journeys: number },
  counter: { n: number },
) {
  const latencies: number[] = [];
  let errors = 0;
  let httpRequests = 0;
  let firstError: unknown;
  const started = performance.now();
  let begun = 0;
  const goOn =
    'seconds' in until
      ? () => performance.now() < started + until.seconds * 1000
      : () => begun++ < until.journeys;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (goOn()) {
        const t0 = performance.now();
        try {
          httpRequests += (await journey(counter.n++)).requests;
          latencies.push(performance.now() - t0);
        } catch (error) {
          errors++;
          firstError ??= error;
          if (errors > 20) break;
        }
      }
    }),
  );
  if (firstError)
    process.stderr.write(`journey error: ${String((firstError as Error).message ?? firstError)}\n`);
  const elapsed = (performance.now() - started) / 1000;
  return {
    requests: latencies.length,
    seconds: elapsed,
    rps: latencies.length / elapsed,
    ...latencyStats(latencies),
    errors,
    non2xx: 0,
    httpRequests,
  };
}

export interface JourneySystem {
  server: ServerHandle;
  name: string;
  engine: Engine;
  system: 'keyturn' | 'peer';
  journey: Journey;
}

/**
 * Journeys on each server, measured in alternation: every system warms up, then the measured runs take
 * turns (A B, B A, A B, …), so a host that speeds up or slows down during the scenario weighs on every
 * system alike and the ratio between them compares like with like. One row per system.
 */
export async function journeyScenario(
  settings: Settings,
  systems: JourneySystem[],
): Promise<ScenarioResult[]> {
  const runs = systems.map((system) => ({
    system,
    counter: { n: 0 },
    samples: [] as Sample[],
    perJourney: 0,
  }));
  const drivePart = (run: (typeof runs)[number], until: { seconds: number } | { journeys: number }) =>
    drive(run.system.journey, settings.journeyConcurrency, until, run.counter);
  // Warm-up by journeys done, the same number for every system: a journey runs many functions once, so the
  // JIT takes about a thousand journeys to settle (CPU per journey fell by about 40% over the first 1,200,
  // for Keyturn and the peer alike). A warm-up of fixed seconds would give the faster system more of it.
  for (const run of runs) await drivePart(run, { journeys: settings.journeyWarmup });
  for (let rep = 0; rep < settings.reps; rep++) {
    for (const run of rep % 2 === 0 ? runs : [...runs].reverse()) {
      const sample = await measured(run.system.server, () => drivePart(run, { seconds: settings.duration }));
      run.perJourney = sample.httpRequests / Math.max(1, sample.requests);
      run.samples.push(sample);
    }
  }
  return runs.map(({ system, samples, perJourney }) => {
    const result = row(
      { name: system.name, engine: system.engine, kind: 'journey', system: system.system },
      medianSample(samples),
      system.server,
    );
    result.notes = `journeys/s; ${perJourney.toFixed(0)} HTTP requests per journey; latency = whole journey; measured in alternation with ${runs.length - 1} other system(s)`;
    return result;
  });
}
