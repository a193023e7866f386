// The receiving end of the event fan-out: a bare node:http server that answers every POST with 204 after
// checking its Standard Webhooks signature (HMAC-SHA256 over `id.timestamp.body`, `v1,` base64), run as a
// process of its own on the load core and steered over IPC (see scenarios/events.ts). Deliveries are counted
// as they arrive; after `warmup` of them, each of `windows` runs of `size` deliveries is timed here, with the
// sender's CPU (utime + stime from /proc) read at the same moments, so every run is measured on arrival.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readCpuTicks } from './server-process.ts';

export interface ReceiverExpectation {
  /** The Standard Webhooks secret (`whsec_…`) the deliveries are signed with. */
  secret: string;
  /** Deliveries not measured (connections, JIT, the sender's start); at least 2. */
  warmup: number;
  windows: number;
  /** Deliveries per measured run; undefined: chosen after the warm-up (see `duration`). */
  size?: number;
  /** Without `size`: a run lasts about this many seconds at the rate of the warm-up's second half... */
  duration?: number;
  /** ...and all runs together take no more than this many deliveries after the warm-up. */
  available?: number;
  /** A body must contain this. */
  accept: string;
}

export interface ReceiverWindow {
  deliveries: number;
  seconds: number;
  /** The sender's CPU over the run, in clock ticks. */
  cpuTicks: number;
}

export interface ReceiverReport {
  /** Deliveries per measured run. */
  size: number;
  windows: ReceiverWindow[];
  /** Deliveries whose signature or body was wrong (answered 400, counted all the same). */
  rejected: number;
}

export type ReceiverMessage =
  | { type: 'expect'; expectation: ReceiverExpectation }
  | { type: 'sender'; pid: number }
  | { type: 'count' };

export type ReceiverReply =
  | { type: 'listening'; port: number }
  | { type: 'report'; report: ReceiverReport }
  | { type: 'count'; received: number; rejected: number };

const send = (reply: ReceiverReply) => process.send?.(reply);

let expectation: ReceiverExpectation | undefined;
let key = Buffer.alloc(0);
let senderPid: number | undefined;
let received = 0;
let rejected = 0;
/** When the warm-up's second half began: its rate sizes the runs (the first half is the slowest). */
let halfwayAt = 0;
let boundaries: { at: number; ticks: number }[] = [];
let size = 0;
let reported = true;

function senderTicks(): number {
  if (senderPid === undefined) return Number.NaN;
  try {
    return readCpuTicks(senderPid);
  } catch {
    return Number.NaN;
  }
}

function verified(headers: NodeJS.Dict<string | string[]>, body: string): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false;
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(' ').some((signature) => {
    const given = Buffer.from(signature.slice('v1,'.length), 'base64');
    return (
      signature.startsWith('v1,') && given.length === expected.length && timingSafeEqual(given, expected)
    );
  });
}

/** Counts one delivery and closes the warm-up or a measured run when it is the one that ends it. */
function arrived() {
  const now = performance.now();
  received++;
  const plan = expectation;
  if (!plan || reported) return;
  const halfway = Math.floor(plan.warmup / 2);
  if (received === halfway) halfwayAt = now;
  if (received === plan.warmup) {
    const seconds = (now - halfwayAt) / 1000;
    const room = Math.floor((plan.available ?? Number.POSITIVE_INFINITY) / plan.windows);
    const paced = Math.ceil(((plan.warmup - halfway) / Math.max(seconds, 1e-3)) * (plan.duration ?? 1));
    size = Math.max(1, plan.size ?? Math.min(room, paced));
    boundaries = [{ at: now, ticks: senderTicks() }];
    return;
  }
  if (received > plan.warmup && (received - plan.warmup) % size === 0) {
    boundaries.push({ at: now, ticks: senderTicks() });
    if (boundaries.length === plan.windows + 1) {
      reported = true;
      send({
        type: 'report',
        report: {
          size,
          windows: boundaries.slice(1).map((end, n) => {
            const begin = boundaries[n] ?? end;
            return {
              deliveries: size,
              seconds: (end.at - begin.at) / 1000,
              cpuTicks: end.ticks - begin.ticks,
            };
          }),
          rejected,
        },
      });
    }
  }
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const ok = verified(req.headers, body) && body.includes(expectation?.accept ?? '');
    if (!ok) rejected++;
    res.writeHead(ok ? 204 : 400).end();
    arrived();
  });
});
server.keepAliveTimeout = 60_000;

process.on('message', (message: ReceiverMessage) => {
  if (message.type === 'expect') {
    expectation = message.expectation;
    key = Buffer.from(expectation.secret.replace(/^whsec_/, ''), 'base64');
    received = 0;
    rejected = 0;
    boundaries = [];
    senderPid = undefined;
    reported = false;
  } else if (message.type === 'sender') senderPid = message.pid;
  else if (message.type === 'count') send({ type: 'count', received, rejected });
});
process.on('disconnect', () => server.close(() => process.exit(0)));

server.listen(0, '127.0.0.1', () => {
  send({ type: 'listening', port: (server.address() as AddressInfo).port });
});
