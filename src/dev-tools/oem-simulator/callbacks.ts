// Delivers the simulator's events to Keyturn's callback URL, signed per the Standard Webhooks spec
// (webhook-id / webhook-timestamp / webhook-signature). Events of one clearance go out in order; a failed
// attempt (network error or non-2xx) is retried with doubling delays and keeps its webhook-id.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { VehicleEventType } from '../../domain/vehicle-events.ts';
import type { Logger } from './logger.ts';

export type CallbackEvent =
  | {
      type: 'authorization_changed';
      timestamp: string;
      data: { clearance_id: string; vin: string; status: 'approved' | 'rejected' | 'revoked' };
    }
  | {
      type: VehicleEventType;
      timestamp: string;
      /** The event's properties (see ./car.ts) beside the clearance and the VIN. */
      data: { clearance_id: string; vin: string; [property: string]: unknown };
    };

export interface RetryPolicy {
  /** Total attempts, the first included. */
  attempts: number;
  /** Delay before the second attempt; it doubles before each further one. */
  baseDelayMs: number;
}

export interface CallbackSender {
  /** Queues `event` behind earlier events of the same clearance. */
  send(options: { provider: string; clearanceKey: string; url: string; event: CallbackEvent }): void;
  /** Runs `task` after `delayMs` unless cancelled first; `settled()` waits for it too. */
  schedule(delayMs: number, task: () => void): void;
  dropNext(count: number): void;
  /** Resolves once nothing is queued, scheduled or being delivered. */
  settled(): Promise<void>;
  /** Cancels scheduled tasks, stops retrying and forgets the drop counter. */
  cancelAll(): void;
}

const attemptTimeoutMs = 10_000;

export function createCallbackSender(options: {
  secrets: Record<string, string>;
  retry: RetryPolicy;
  fetch: typeof fetch;
  logger: Logger;
}): CallbackSender {
  // Constructed up front so that a malformed `whsec_` secret fails when the simulator is created.
  const signers = new Map(
    Object.entries(options.secrets).map(([provider, secret]) => [provider, new Webhook(secret)]),
  );
  const chains = new Map<string, Promise<void>>();
  const inFlight = new Set<Promise<void>>();
  const timers = new Map<NodeJS.Timeout, () => void>();
  let dropCount = 0;
  let cancellation = new AbortController();

  function track(work: Promise<void>): void {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  }

  function pause(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }

  async function deliver(
    provider: string,
    url: string,
    event: CallbackEvent,
    signal: AbortSignal,
  ): Promise<void> {
    const signer = signers.get(provider);
    if (!signer) throw new Error(`no webhook secret for provider ${provider}`);
    const messageId = `msg_${randomBytes(16).toString('hex')}`;
    const body = JSON.stringify(event);
    for (let attempt = 1; attempt <= options.retry.attempts; attempt += 1) {
      if (signal.aborted) return;
      // Signed afresh per attempt: receivers reject timestamps older than their tolerance.
      const now = new Date();
      let outcome: string;
      try {
        const response = await options.fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'webhook-id': messageId,
            'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
            'webhook-signature': signer.sign(messageId, now, body),
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.any([signal, AbortSignal.timeout(attemptTimeoutMs)]),
        });
        await response.body?.cancel();
        if (response.ok) {
          options.logger.info(
            { provider, type: event.type, messageId, attempt },
            'oem simulator: callback delivered',
          );
          return;
        }
        outcome = `HTTP ${response.status}`;
      } catch (error) {
        if (signal.aborted) return;
        outcome = (error as Error).message;
      }
      options.logger.warn(
        { provider, type: event.type, messageId, attempt, outcome },
        'oem simulator: callback failed',
      );
      if (attempt < options.retry.attempts)
        await pause(options.retry.baseDelayMs * 2 ** (attempt - 1), signal);
    }
    options.logger.error({ provider, type: event.type, messageId }, 'oem simulator: callback given up');
  }

  return {
    send({ provider, clearanceKey, url, event }) {
      if (dropCount > 0) {
        dropCount -= 1;
        options.logger.warn({ provider, type: event.type }, 'oem simulator: callback dropped on purpose');
        return;
      }
      const signal = cancellation.signal;
      const previous = chains.get(clearanceKey) ?? Promise.resolve();
      const next = previous
        .then(() => deliver(provider, url, event, signal))
        .catch((error: unknown) => {
          options.logger.error({ err: error, provider }, 'oem simulator: callback not sent');
        });
      chains.set(clearanceKey, next);
      void next.finally(() => {
        if (chains.get(clearanceKey) === next) chains.delete(clearanceKey);
      });
      track(next);
    },
    schedule(delayMs, task) {
      track(
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            timers.delete(timer);
            try {
              task();
            } catch (error) {
              options.logger.error({ err: error }, 'oem simulator: scheduled task failed');
            } finally {
              resolve();
            }
          }, delayMs);
          timers.set(timer, resolve);
        }),
      );
    },
    dropNext(count) {
      dropCount += count;
    },
    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    cancelAll() {
      for (const [timer, resolve] of timers) {
        clearTimeout(timer);
        resolve();
      }
      timers.clear();
      cancellation.abort();
      cancellation = new AbortController();
      dropCount = 0;
    },
  };
}
