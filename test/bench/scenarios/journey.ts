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

export async function journeyScenario(
  settings: Settings,
  server: ServerHandle,
  options: { name: string; engine: Engine; system: 'keyturn' | 'peer'; journey: Journey },
): Promise<ScenarioResult> {
  const counter = { n: 0 };
  // Warm-up by journeys done, the same number for both systems: a journey runs many functions once, so the
  // JIT takes about a thousand journeys to settle (CPU per journey fell by about 40% over the first 1,200,
  // for Keyturn and the peer alike). A warm-up of fixed seconds would give the faster system more of it.
  await drive(options.journey, settings.journeyConcurrency, { journeys: settings.journeyWarmup }, counter);
  const samples: Sample[] = [];
  let perJourney = 0;
  for (let rep = 0; rep < settings.reps; rep++) {
    const sample = await measured(server, () =>
      drive(options.journey, settings.journeyConcurrency, { seconds: settings.duration }, counter),
    );
    perJourney = sample.httpRequests / Math.max(1, sample.requests);
    samples.push(sample);
  }
  const result = row(
    { name: options.name, engine: options.engine, kind: 'journey', system: options.system },
    medianSample(samples),
    server,
  );
  result.notes = `journeys/s; ${perJourney.toFixed(0)} HTTP requests per journey; latency = whole journey`;
  return result;
}
