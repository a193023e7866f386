// Baseline for the event fan-out: the same vehicle event bodies Keyturn's worker sends (its own body
// function), signed with the `standardwebhooks` library and POSTed with undici's fetch, `batchSize` at
// all times (each of that many lanes sends its next as soon as one is answered), the most the outbox
// worker may have under way: no database, no outbox, no delivery log, no target guard. Runs as a process of its own on the server core (see
// scenarios/events.ts); its job comes as JSON in argv[2] and its figures leave as one JSON line on stdout.
// The receiver times the runs and reads this process's CPU.
import { Webhook } from 'standardwebhooks';
import { fetch } from 'undici';
import { vehicleEventBody } from '../../../src/webhooks/kinds.ts';

export interface WebhookSenderJob {
  url: string;
  secret: string;
  clientId: string;
  /** The clearances the events are about, taken in turn. */
  targets: { clearanceId: string; vin: string }[];
  /** Deliveries in all: the receiver's warm-up and measured runs. */
  total: number;
  /** Deliveries not counted in the latencies (the receiver's warm-up). */
  warmup: number;
  batchSize: number;
}

export interface WebhookSenderResult {
  /** Milliseconds from each request to its answer, after the warm-up. */
  latenciesMs: number[];
  /** Answers other than 2xx, and requests that failed. */
  failures: number;
  rssMb: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as WebhookSenderJob;
const webhook = new Webhook(job.secret);
const latenciesMs: number[] = [];
let failures = 0;

async function deliver(n: number): Promise<void> {
  const target = job.targets[n % job.targets.length] ?? { clearanceId: 'none', vin: 'none' };
  const receivedAt = new Date();
  const payload = {
    clearanceId: target.clearanceId,
    clientId: job.clientId,
    fleetId: null,
    vin: target.vin,
    type: 'vehicle_location_changed',
    eventId: `bmw:msg_bare_${n}`,
    occurredAt: receivedAt.getTime(),
    data: { latitude: 48.1 + (n % 1000) / 10_000, longitude: 11.5 + (n % 997) / 10_000, heading: n % 360 },
  };
  const body = JSON.stringify(vehicleEventBody(payload, receivedAt));
  const id = `msg_bare_${n}`;
  const timestamp = new Date();
  const started = performance.now();
  try {
    const response = await fetch(job.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Keyturn-Bench/1',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': webhook.sign(id, timestamp, body),
      },
      body,
    });
    await response.body?.cancel();
    if (response.status < 200 || response.status >= 300) failures++;
  } catch {
    failures++;
  }
  if (n >= job.warmup) latenciesMs.push(performance.now() - started);
}

let next = 0;
async function lane(): Promise<void> {
  while (next < job.total) await deliver(next++);
}
await Promise.all(Array.from({ length: job.batchSize }, lane));
const result: WebhookSenderResult = {
  latenciesMs,
  failures,
  rssMb: process.resourceUsage().maxRSS / 1024,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
