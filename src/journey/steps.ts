// The consent journey's steps, in order, and what each needs before it may be shown. The one place that
// knows the order: handlers ask `firstOpenStep` where to go next and `mayShow` whether a URL may be used.
// An owner is known only after proof: a password on the landing page, or the code mailed to the address
// given on the account step (verify). Until then no step may use an existing account.
import type { Journey } from '../storage/journeys.ts';

export const steps = ['landing', 'account', 'verify', 'brand', 'vin', 'permissions'] as const;
export type Step = (typeof steps)[number];

const requirements: Record<Step, (journey: Journey) => boolean> = {
  landing: (j) => j.accountId === null,
  account: (j) => j.accountId === null,
  verify: (j) => j.accountId === null && j.email !== null,
  brand: (j) => j.accountId !== null,
  vin: (j) => j.accountId !== null && j.brand !== null,
  permissions: (j) => j.accountId !== null && j.brand !== null && j.vin !== null,
};

export function mayShow(step: Step, journey: Journey): boolean {
  return requirements[step](journey);
}

/** The step the owner should see now: the first whose data is still missing. */
export function firstOpenStep(journey: Journey): Step {
  if (journey.accountId === null) return journey.email === null ? 'landing' : 'verify';
  if (journey.brand === null) return 'brand';
  if (journey.vin === null) return 'vin';
  return 'permissions';
}

export function stepPath(uid: string, step: Step): string {
  return `/interaction/${uid}/${step}`;
}

/**
 * What the step indicator shows: four steps. Signing in (landing) and giving an email address (account,
 * then confirming it with the mailed code) are two ways through the same first step, "Email"; the
 * landing is where that step starts, not a step of its own.
 */
const indicatorSteps = ['identity', 'brand', 'vin', 'permissions'] as const;
type IndicatorStep = (typeof indicatorSteps)[number];

const indicatorStepOf: Record<Step, IndicatorStep> = {
  landing: 'identity',
  account: 'identity',
  verify: 'identity',
  brand: 'brand',
  vin: 'vin',
  permissions: 'permissions',
};

/** The step indicator's data: which steps are done and which is current. */
export function progress(current: Step): Array<{ id: IndicatorStep; current: boolean; done: boolean }> {
  const index = indicatorSteps.indexOf(indicatorStepOf[current]);
  return indicatorSteps.map((id, position) => ({ id, current: position === index, done: position < index }));
}
