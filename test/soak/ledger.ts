// What the soak's clients did: successes counted per operation, every failure kept with when it started and
// ended, and the fault windows a failure may fall into. A failure is "inside" when its request overlaps a
// window (from a fault's start to a few seconds after the database or the instance is back).

export const operations = [
  'journey',
  'exchange',
  'introspection',
  'refresh',
  'authorization',
  'callback',
  'webhook_delivery',
] as const;
export type Operation = (typeof operations)[number];

export type InstanceName = 'a' | 'b';

export interface Failure {
  operation: Operation;
  /** Which Keyturn instance was asked (undefined for work the script cannot attribute). */
  instance: InstanceName | undefined;
  startedAt: number;
  endedAt: number;
  what: string;
}

export interface FaultWindow {
  fault: 'terminate_backends' | 'restart_instance';
  detail: string;
  startedAt: number;
  /** When the database answered again on both instances, or the restarted instance was ready. */
  backAt: number | undefined;
  /** backAt plus the grace period: failures up to here still count as inside. */
  endsAt: number | undefined;
}

export class Ledger {
  readonly successes: Record<Operation, number> = Object.fromEntries(operations.map((o) => [o, 0])) as Record<
    Operation,
    number
  >;
  readonly failures: Failure[] = [];
  readonly windows: FaultWindow[] = [];

  succeeded(operation: Operation): void {
    this.successes[operation]++;
  }

  failed(failure: Failure): void {
    this.failures.push(failure);
  }

  /** Opens a window now; it is closed by `back`. A window never closed lasts until the end of the run. */
  openWindow(fault: FaultWindow['fault'], detail: string): FaultWindow {
    const window: FaultWindow = {
      fault,
      detail,
      startedAt: Date.now(),
      backAt: undefined,
      endsAt: undefined,
    };
    this.windows.push(window);
    return window;
  }

  back(window: FaultWindow, graceMs: number): void {
    window.backAt = Date.now();
    window.endsAt = window.backAt + graceMs;
  }

  isInsideWindow(failure: Pick<Failure, 'startedAt' | 'endedAt'>): boolean {
    return this.windows.some(
      (w) => failure.endedAt >= w.startedAt && failure.startedAt <= (w.endsAt ?? Number.POSITIVE_INFINITY),
    );
  }

  failuresBy(where: 'inside' | 'outside'): Failure[] {
    return this.failures.filter((f) => this.isInsideWindow(f) === (where === 'inside'));
  }
}

/** A failed request, thrown by the clients and recorded by the virtual user that made it. */
export class RequestFailure extends Error {
  readonly endedAt = Date.now();

  constructor(
    readonly operation: Operation,
    readonly instance: InstanceName | undefined,
    readonly startedAt: number,
    what: string,
    /** A Retry-After the server asked for, in milliseconds. */
    readonly retryAfterMs?: number,
  ) {
    super(what);
  }

  toFailure(): Failure {
    return {
      operation: this.operation,
      instance: this.instance,
      startedAt: this.startedAt,
      endedAt: this.endedAt,
      what: this.message,
    };
  }
}
