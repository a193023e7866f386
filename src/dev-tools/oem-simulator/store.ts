// In-memory state of the OEM simulator: simulated clearances and recorded Idempotency-Key responses.
// Deliberately not persistent: a simulator may lose its state on restart, as a real maker's sandbox may.
import type { Locale } from '../../i18n/index.ts';

export type SimulatedStatus = 'pending_validation' | 'approved' | 'rejected' | 'revoked';

export interface SimulatedClearance {
  /** The simulator's own id, used in its API and portal URLs. */
  id: string;
  provider: string;
  /** Keyturn's clearance id, echoed in every callback. */
  clearanceId: string;
  /** '' for a tracker known only by its device id. */
  vin: string;
  /** The VIN, or a hardware tracker's device id. */
  trackerId: string;
  brand: string;
  dataPoints: string[];
  callbackUrl: string;
  primaryUserHint: string;
  locale: Locale;
  appName: string | undefined;
  status: SimulatedStatus;
  createdAt: Date;
  updatedAt: Date;
}

/** A response recorded under an Idempotency-Key, replayed verbatim for a repeated request. */
export interface RecordedResponse {
  fingerprint: string;
  status: number;
  body: Record<string, unknown>;
}

export interface SimulatorStore {
  insert(clearance: SimulatedClearance): void;
  get(id: string): SimulatedClearance | undefined;
  list(): SimulatedClearance[];
  setStatus(id: string, status: SimulatedStatus, at?: Date): SimulatedClearance;
  recalled(provider: string, idempotencyKey: string): RecordedResponse | undefined;
  remember(provider: string, idempotencyKey: string, response: RecordedResponse): void;
  clear(): void;
}

export function createStore(): SimulatorStore {
  const clearances = new Map<string, SimulatedClearance>();
  const responses = new Map<string, RecordedResponse>();
  // Keys are scoped per provider: two makers never share an idempotency namespace.
  const scoped = (provider: string, key: string) => `${provider}\u0000${key}`;

  return {
    insert(clearance) {
      clearances.set(clearance.id, clearance);
    },
    get(id) {
      const found = clearances.get(id);
      return found && { ...found, dataPoints: [...found.dataPoints] };
    },
    list() {
      return [...clearances.values()].map((clearance) => ({
        ...clearance,
        dataPoints: [...clearance.dataPoints],
      }));
    },
    setStatus(id, status, at = new Date()) {
      const found = clearances.get(id);
      if (!found) throw new Error(`no simulated clearance ${id}`);
      found.status = status;
      found.updatedAt = at;
      return { ...found, dataPoints: [...found.dataPoints] };
    },
    recalled(provider, idempotencyKey) {
      return responses.get(scoped(provider, idempotencyKey));
    },
    remember(provider, idempotencyKey, response) {
      responses.set(scoped(provider, idempotencyKey), response);
    },
    clear() {
      clearances.clear();
      responses.clear();
    },
  };
}
