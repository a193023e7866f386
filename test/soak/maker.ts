// The car maker, played by Keyturn's OEM simulator in this process: it takes Keyturn's clearance requests
// and calls Keyturn back with signed events. Its log tells each callback's fate: delivered, failed (then
// retried with the same webhook-id, for longer than an instance takes to restart), or given up.
import { type RunningOemSimulator, startOemSimulator } from '../../src/dev-tools/oem-simulator/main.ts';
import type { Ledger } from './ledger.ts';

export const makerApiKey = 'soak-bmw-api-key';
export const makerWebhookSecret = `whsec_${Buffer.from('keyturn-soak-bmw-webhook-secret-0123').toString('base64')}`;

/** One attempt's timeout inside the simulator: a timed-out attempt started this long before it failed. */
const attemptTimeoutMs = 10_000;

export interface Maker {
  simulator: RunningOemSimulator;
  callbacks: { delivered: number; failedAttempts: number; givenUp: number };
}

export async function startMaker(ledger: Ledger): Promise<Maker> {
  const callbacks = { delivered: 0, failedAttempts: 0, givenUp: 0 };
  const logger = {
    info(_object: object, message?: string) {
      if (message !== 'oem simulator: callback delivered') return;
      callbacks.delivered++;
      ledger.succeeded('callback');
    },
    warn(object: object, message?: string) {
      if (message !== 'oem simulator: callback failed') return;
      callbacks.failedAttempts++;
      const { outcome = '', type = '' } = object as { outcome?: string; type?: string };
      const now = Date.now();
      const timedOut = /timeout|aborted/i.test(outcome);
      ledger.failed({
        operation: 'callback',
        instance: undefined,
        startedAt: timedOut ? now - attemptTimeoutMs : now,
        endedAt: now,
        what: `${type}: ${outcome}`,
      });
    },
    error(_object: object, message?: string) {
      if (message === 'oem simulator: callback given up') callbacks.givenUp++;
    },
  };
  const simulator = await startOemSimulator({
    port: 0,
    providers: { bmw: { apiKey: makerApiKey, webhookSecret: makerWebhookSecret } },
    // The maker's mail to the owner is not what the soak watches; owners decide through the knobs.
    sendMail: async () => {},
    logger,
    firstDataDelayMs: 500,
    // 10 attempts, 0.5 s doubling: the last one about four minutes after the first.
    callbackRetry: { attempts: 10, baseDelayMs: 500 },
  });
  return { simulator, callbacks };
}
