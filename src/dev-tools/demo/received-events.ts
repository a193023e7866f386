// The webhooks the demo app received lately, newest first and only in memory (a restart forgets them): when,
// which event type and vehicle, a short summary of what the body carries, and whether its Standard
// Webhooks signature verified. A body whose signature did not verify is listed too, marked, as far as it
// could be read: an integrator sees what was refused. Only the last `capacity` are kept.

export interface ReceivedEvent {
  receivedAt: Date;
  type: string | undefined;
  vin: string | undefined;
  /** `name: value` pairs of the body's payload (`data`, or the status it reports), shortened. */
  summary: string;
  verified: boolean;
}

export interface ReceivedEvents {
  record(body: unknown, verified: boolean, receivedAt?: Date): void;
  /** Newest first. */
  recent(): ReceivedEvent[];
}

const summaryLength = 160;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function shortValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.length}]`;
  if (isObject(value)) return `{${summarize(value)}}`;
  return String(value);
}

function summarize(payload: Record<string, unknown>): string {
  return Object.entries(payload)
    .map(([name, value]) => `${name}: ${shortValue(value)}`)
    .join(', ');
}

/** What the table shows of a webhook body: `data` for a vehicle event, else the status it reports. */
export function describeBody(body: unknown): Pick<ReceivedEvent, 'type' | 'vin' | 'summary'> {
  if (!isObject(body)) return { type: undefined, vin: undefined, summary: '' };
  const event = isObject(body.event) ? body.event : {};
  const vehicle = isObject(body.vehicle) ? body.vehicle : {};
  const payload = [body.data, body.authorization, body.clearance].find(isObject) ?? {};
  const summary = summarize(payload);
  return {
    type: typeof event.type === 'string' ? event.type : undefined,
    vin: typeof vehicle.vin === 'string' ? vehicle.vin : undefined,
    summary: summary.length > summaryLength ? `${summary.slice(0, summaryLength - 1)}…` : summary,
  };
}

/** Parses a body that failed verification as far as it goes: JSON, or nothing. */
export function readUnverified(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

export function receivedEvents(capacity = 20): ReceivedEvents {
  const events: ReceivedEvent[] = [];
  return {
    record(body, verified, receivedAt = new Date()) {
      events.unshift({ receivedAt, verified, ...describeBody(body) });
      events.length = Math.min(events.length, capacity);
    },
    recent: () => [...events],
  };
}
