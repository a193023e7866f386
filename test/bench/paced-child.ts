// Runs one paced load in its own process (see runPacedApart): reads the spec as JSON on stdin, writes the
// result as JSON on stdout. Request bodies are drawn at random from the given list.
import { type ApartSpec, runPaced } from './paced-load.ts';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const spec = JSON.parse(input) as ApartSpec;
const result = await runPaced({
  url: spec.url,
  rate: spec.rate,
  duration: spec.duration,
  warmup: spec.warmup,
  request: {
    method: spec.method,
    path: spec.path,
    headers: spec.headers,
    body: () => spec.bodies[Math.floor(Math.random() * spec.bodies.length)] as string,
  },
  accept: (body) => body.includes(spec.accept),
  maxSockets: spec.maxSockets,
  ...(spec.serverPid === undefined ? {} : { serverPid: spec.serverPid }),
});
process.stdout.write(JSON.stringify(result));
