// What the simulated maker does: accept a clearance request (idempotently, per Idempotency-Key), email the
// primary user, apply the owner's portal decision and tell Keyturn through signed callbacks, send the
// first position after an approval (pending_for_data → connected once the first coordinates arrive) and
// then let the car report (./vehicle-reports.ts) until the clearance ends.
// A hardware tracker provider (Targa, Astrata, Cartrack, Silence, HTML5) asks nobody: it pairs with the
// device by itself, approves at once and sends the first position.
import { createHash, randomBytes } from 'node:crypto';
import { findFleetProvider } from '../../domain/fleet/providers.ts';
import type { VehicleEventType } from '../../domain/vehicle-events.ts';
import type { Locale } from '../../i18n/index.ts';
import type { CallbackSender } from './callbacks.ts';
import { notFound, SimulatorError } from './errors.ts';
import type { Logger } from './logger.ts';
import { clearanceRequestMail, type Mail } from './mail.ts';
import type { RecordedResponse, SimulatedClearance, SimulatedStatus, SimulatorStore } from './store.ts';
import type { VehicleReports } from './vehicle-reports.ts';
import type { Views } from './views.ts';

export interface ClearanceRequest {
  clearanceId: string;
  vin: string;
  trackerId: string;
  brand: string;
  dataPoints: string[];
  callbackUrl: string;
  primaryUserHint: string;
  locale: Locale;
  appName: string | undefined;
}

export const decisions = ['approve', 'reject', 'revoke'] as const;
export type Decision = (typeof decisions)[number];

export function isDecision(value: unknown): value is Decision {
  return typeof value === 'string' && (decisions as readonly string[]).includes(value);
}

/** Which status a portal decision needs and which it leads to. */
const transitions: Record<Decision, { from: SimulatedStatus; to: 'approved' | 'rejected' | 'revoked' }> = {
  approve: { from: 'pending_validation', to: 'approved' },
  reject: { from: 'pending_validation', to: 'rejected' },
  revoke: { from: 'approved', to: 'revoked' },
};

/**
 * A VIN or tracker id is unknown to the simulated maker when its last six characters are `000000`. Tests
 * and demos use such ids to make the maker answer 422 `unknown_vin`, which Keyturn turns into
 * `wrong_tracker_id`.
 */
export function isUnknownVin(vin: string): boolean {
  return vin.endsWith('000000');
}

const pairsByItself = (provider: string) => findFleetProvider(provider)?.kind === 'hardware';

function fingerprint(request: ClearanceRequest): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

export interface Simulation {
  requestClearance(
    provider: string,
    idempotencyKey: string,
    request: ClearanceRequest,
  ): Promise<RecordedResponse>;
  find(provider: string, id: string): SimulatedClearance;
  /** Keyturn cancelled the clearance (DELETE): it becomes revoked without a callback. */
  cancel(provider: string, id: string): SimulatedClearance;
  /** The owner's decision in the portal; a repeated decision that already holds changes nothing. */
  decide(id: string, decision: Decision): SimulatedClearance;
  /** The car of an approved clearance reports an event now (a portal button); 409 otherwise. */
  report(id: string, type: VehicleEventType): SimulatedClearance;
}

export function createSimulation(deps: {
  store: SimulatorStore;
  callbacks: CallbackSender;
  views: Views;
  reports: VehicleReports;
  publicUrl: string;
  firstDataDelayMs: number;
  sendMail: (mail: Mail) => Promise<void>;
  logger: Logger;
}): Simulation {
  const { store, callbacks, reports, logger } = deps;
  const publicUrl = deps.publicUrl.replace(/\/+$/, '');

  function inProvider(provider: string, id: string): SimulatedClearance {
    const clearance = store.get(id);
    if (!clearance || clearance.provider !== provider) throw notFound();
    return clearance;
  }

  function notify(clearance: SimulatedClearance, status: 'approved' | 'rejected' | 'revoked'): void {
    callbacks.send({
      provider: clearance.provider,
      clearanceKey: clearance.id,
      url: clearance.callbackUrl,
      event: {
        type: 'authorization_changed',
        timestamp: new Date().toISOString(),
        data: { clearance_id: clearance.clearanceId, vin: clearance.vin, status },
      },
    });
  }

  /** After an approval: the first position a little later, then one every interval while it holds. */
  function startSharing(id: string): void {
    callbacks.schedule(deps.firstDataDelayMs, () => {
      // Revoked or cancelled in the meantime: the car has nothing to share any more.
      if (store.get(id)?.status !== 'approved') return;
      reports.report(id, 'vehicle_location_changed');
    });
    reports.startDriving(id);
  }

  return {
    async requestClearance(provider, idempotencyKey, request) {
      const print = fingerprint(request);
      const recorded = store.recalled(provider, idempotencyKey);
      if (recorded) {
        // draft-ietf-httpapi-idempotency-key-header §2.7: a reused key with another payload is refused.
        if (recorded.fingerprint !== print) {
          throw new SimulatorError(
            422,
            'idempotency_key_reused',
            'this Idempotency-Key was used for another request',
          );
        }
        return { ...recorded, status: recorded.status === 201 ? 200 : recorded.status };
      }
      if (isUnknownVin(request.trackerId)) {
        const response = { fingerprint: print, status: 422, body: { error: 'unknown_vin' } };
        store.remember(provider, idempotencyKey, response);
        return response;
      }
      const now = new Date();
      const clearance: SimulatedClearance = {
        id: `sim_${randomBytes(12).toString('hex')}`,
        provider,
        ...request,
        status: 'pending_validation',
        createdAt: now,
        updatedAt: now,
      };
      store.insert(clearance);
      const response = {
        fingerprint: print,
        status: 201,
        body: { id: clearance.id, status: clearance.status },
      };
      // Recorded before the first await, so a concurrent retry with the same key finds it.
      store.remember(provider, idempotencyKey, response);
      if (pairsByItself(provider)) {
        const paired = store.setStatus(clearance.id, 'approved');
        logger.info({ provider, id: clearance.id }, 'oem simulator: tracker paired');
        callbacks.schedule(0, () => notify(paired, 'approved'));
        startSharing(clearance.id);
        return response;
      }
      const mail = clearanceRequestMail(
        deps.views,
        clearance,
        `${publicUrl}/${provider}/portal/${clearance.id}`,
      );
      try {
        await deps.sendMail(mail);
      } catch (error) {
        // A maker accepts the request even when its mail system hiccups; the portal link still works.
        logger.error({ err: error, provider, id: clearance.id }, 'oem simulator: clearance mail not sent');
      }
      logger.info(
        { provider, id: clearance.id, clearanceId: clearance.clearanceId },
        'oem simulator: clearance requested',
      );
      return response;
    },

    find: inProvider,

    cancel(provider, id) {
      inProvider(provider, id);
      logger.info({ provider, id }, 'oem simulator: clearance cancelled by Keyturn');
      reports.stop(id);
      return store.setStatus(id, 'revoked');
    },

    decide(id, decision) {
      const clearance = store.get(id);
      if (!clearance) throw notFound();
      const rule = transitions[decision];
      if (clearance.status === rule.to) return clearance;
      if (clearance.status !== rule.from) {
        throw new SimulatorError(
          409,
          'decision_not_allowed',
          `cannot ${decision} a clearance that is ${clearance.status}`,
        );
      }
      const updated = store.setStatus(id, rule.to);
      logger.info({ provider: updated.provider, id, decision }, 'oem simulator: owner decided');
      notify(updated, rule.to);
      if (rule.to === 'approved') startSharing(id);
      else reports.stop(id);
      return updated;
    },

    report(id, type) {
      const clearance = store.get(id);
      if (!clearance) throw notFound();
      reports.report(id, type);
      return clearance;
    },
  };
}
