// The OEM simulator: a standalone Koa app playing the car maker's side (BMW/MINI ConnectedDrive,
// Mercedes-Benz, Stellantis) of Keyturn's connector contract over real HTTP. It never listens itself;
// see ./main.ts for a standalone server. All state is in memory (./store.ts) and is lost on restart.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import Koa from 'koa';
import { viewsDirectory } from '../../paths.ts';
import { clearanceApi } from './api.ts';
import { createCallbackSender, type RetryPolicy } from './callbacks.ts';
import { createSimulation, type Decision } from './commands.ts';
import { errorHandler } from './errors.ts';
import { createFaults } from './faults.ts';
import { type Logger, silentLogger } from './logger.ts';
import type { Mail } from './mail.ts';
import { portal } from './portal.ts';
import { createStore, type SimulatedClearance } from './store.ts';
import { createVehicleReports } from './vehicle-reports.ts';
import { createViews } from './views.ts';

export type { Decision } from './commands.ts';
export type { Mail } from './mail.ts';
export type { SimulatedClearance, SimulatedStatus } from './store.ts';

export interface OemSimulatorOptions {
  /** The simulator's own base URL as browsers reach it, used in the portal links it emails. */
  publicUrl: string;
  /** Keyed by provider, the first path segment (e.g. `bmw`, `mercedes-benz`, `stellantis`). */
  providers: Record<string, { apiKey: string /** `whsec_…` */; webhookSecret: string }>;
  sendMail: (mail: Mail) => Promise<void>;
  logger?: Logger;
  /** Delay between an approval and the first `vehicle_location_changed` event. Default 2000 ms. */
  firstDataDelayMs?: number;
  /** Interval of the further positions an approved clearance's car sends. Default 0: none. */
  locationIntervalMs?: number;
  /** Callback retries on network errors and non-2xx answers. Default 5 attempts, 500 ms doubling. */
  callbackRetry?: RetryPolicy;
  fetch?: typeof fetch;
}

/** Test controls; deliberately methods, never HTTP routes. */
export interface TestKnobs {
  /** The next `count` clearance API calls answer `status` with `{error:'simulated_failure'}`. */
  failNextRequests(count: number, status?: number): void;
  /** Every clearance API call waits `ms` before it is handled (0 turns the delay off). */
  setResponseDelay(ms: number): void;
  /** Resolves when the next clearance API call arrives, before its delay (a request is then under way). */
  nextCallArrives(): Promise<void>;
  /** The next `count` callback events are never sent. */
  dropNextCallbacks(count: number): void;
  /** Resolves once no callback is queued, retrying or scheduled (including first positions). */
  pendingDeliveries(): Promise<void>;
  /** Same as pressing the portal button; throws a SimulatorError (404, 409) like the portal would. */
  decide(id: string, decision: Decision): SimulatedClearance;
  clearances(): SimulatedClearance[];
  /**
   * Forgets every clearance and idempotency record, clears all faults, stops the cars and cancels pending
   * callbacks.
   */
  reset(): void;
}

export interface OemSimulator {
  app: Koa;
  knobs: TestKnobs;
  /** Stops the cars and cancels scheduled events and retries; the app itself holds no sockets. */
  close(): void;
}

const stylesheet = readFileSync(join(viewsDirectory, 'oem-simulator', 'style.css'), 'utf8');

function stylesheetRoute(): Router {
  return new Router().get('/_simulator/style.css', async function serveStylesheet(ctx) {
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = stylesheet;
  });
}

export function createOemSimulator(options: OemSimulatorOptions): OemSimulator {
  const logger = options.logger ?? silentLogger;
  const store = createStore();
  const views = createViews();
  const faults = createFaults();
  const callbacks = createCallbackSender({
    secrets: Object.fromEntries(
      Object.entries(options.providers).map(([name, p]) => [name, p.webhookSecret]),
    ),
    retry: options.callbackRetry ?? { attempts: 5, baseDelayMs: 500 },
    fetch: options.fetch ?? globalThis.fetch,
    logger,
  });
  const reports = createVehicleReports({
    store,
    callbacks,
    locationIntervalMs: options.locationIntervalMs ?? 0,
    logger,
  });
  const simulation = createSimulation({
    store,
    callbacks,
    views,
    reports,
    publicUrl: options.publicUrl,
    firstDataDelayMs: options.firstDataDelayMs ?? 2000,
    sendMail: options.sendMail,
    logger,
  });

  const app = new Koa();
  const routers = [
    clearanceApi({ providers: options.providers, simulation, faults }),
    portal({ providers: options.providers, simulation, views }),
    stylesheetRoute(),
  ];
  app.use(errorHandler(views, logger));
  app.use(bodyParser({ enableTypes: ['json', 'form'], jsonLimit: '100kb', formLimit: '16kb' }));
  for (const router of routers) app.use(router.routes()).use(router.allowedMethods());

  const knobs: TestKnobs = {
    failNextRequests: (count, status = 503) => faults.failNext(count, status),
    setResponseDelay: (ms) => faults.setDelay(ms),
    nextCallArrives: () => faults.nextCallArrives(),
    dropNextCallbacks: (count) => callbacks.dropNext(count),
    pendingDeliveries: () => callbacks.settled(),
    decide: (id, decision) => simulation.decide(id, decision),
    clearances: () => store.list(),
    reset() {
      reports.stopAll();
      callbacks.cancelAll();
      faults.reset();
      store.clear();
    },
  };

  return {
    app,
    knobs,
    close() {
      reports.stopAll();
      callbacks.cancelAll();
    },
  };
}
