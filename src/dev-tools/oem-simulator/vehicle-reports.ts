// What the simulated cars tell Keyturn while their clearance is approved: the vehicle events the owner
// triggers in the portal, and the car's position every `locationIntervalMs` (it drives a little between
// two). Sent through the callback sender, so they are signed, ordered per clearance, retried and subject
// to the injected faults like every other callback. The position timer of a clearance stops when the
// clearance is no longer approved, and every timer stops on `stopAll()`.
import type { VehicleEventType } from '../../domain/vehicle-events.ts';
import type { CallbackSender } from './callbacks.ts';
import { type Car, drive, eventProperties, parkedCar } from './car.ts';
import { SimulatorError } from './errors.ts';
import type { Logger } from './logger.ts';
import type { SimulatorStore } from './store.ts';

export interface VehicleReports {
  /** The car of approved clearance `id` reports an event of `type` now; 409 when it is not approved. */
  report(id: string, type: VehicleEventType): void;
  /** Starts sending the position of clearance `id` every interval (nothing when the interval is 0). */
  startDriving(id: string): void;
  /** Stops the position timer of clearance `id`, if any. */
  stop(id: string): void;
  /** Stops every position timer and forgets every car. */
  stopAll(): void;
}

export function createVehicleReports(deps: {
  store: SimulatorStore;
  callbacks: CallbackSender;
  /** 0: no periodic positions. */
  locationIntervalMs: number;
  logger: Logger;
}): VehicleReports {
  const { store, callbacks } = deps;
  const cars = new Map<string, Car>();
  const timers = new Map<string, NodeJS.Timeout>();

  function carOf(id: string, vin: string): Car {
    const car = cars.get(id) ?? parkedCar(vin);
    cars.set(id, car);
    return car;
  }

  function send(id: string, type: VehicleEventType): boolean {
    const clearance = store.get(id);
    // Revoked, cancelled or forgotten in the meantime: the car has nothing to share any more.
    if (clearance?.status !== 'approved') return false;
    const now = new Date();
    callbacks.send({
      provider: clearance.provider,
      clearanceKey: clearance.id,
      url: clearance.callbackUrl,
      event: {
        type,
        timestamp: now.toISOString(),
        data: {
          clearance_id: clearance.clearanceId,
          vin: clearance.vin,
          ...eventProperties(type, carOf(id, clearance.trackerId), now),
        },
      },
    });
    return true;
  }

  function stop(id: string): void {
    clearTimeout(timers.get(id));
    timers.delete(id);
  }

  return {
    report(id, type) {
      if (!send(id, type))
        throw new SimulatorError(409, 'event_not_allowed', 'only an approved clearance reports events');
      deps.logger.info({ id, type }, 'oem simulator: vehicle event reported');
    },
    startDriving(id) {
      if (deps.locationIntervalMs <= 0 || timers.has(id)) return;
      const timer = setInterval(() => {
        const clearance = store.get(id);
        if (clearance?.status !== 'approved') return stop(id);
        cars.set(id, drive(carOf(id, clearance.trackerId)));
        send(id, 'vehicle_location_changed');
      }, deps.locationIntervalMs);
      // A simulated car never keeps the process alive; shutdown stops it anyway.
      timer.unref();
      timers.set(id, timer);
    },
    stop,
    stopAll() {
      for (const id of [...timers.keys()]) stop(id);
      cars.clear();
    },
  };
}
