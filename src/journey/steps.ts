// The consent journey's steps, in order, and what each needs before it may be shown. The one place that
// knows the order: handlers ask `firstOpenStep` where to go next and `mayShow` whether a URL may be used.
import type { Journey } from '../storage/journeys.ts';

export const steps = ['landing', 'account', 'brand', 'vin', 'permissions'] as const;
export type Step = (typeof steps)[number];

const requirements: Record<Step, (journey: Journey) => boolean> = {
  landing: (j) => j.accountId === null,
  account: (j) => j.accountId === null,
  brand: (j) => j.accountId !== null,
  vin: (j) => j.accountId !== null && j.brand !== null,
  permissions: (j) => j.accountId !== null && j.brand !== null && j.vin !== null,
};

export function mayShow(step: Step, journey: Journey): boolean {
  return requirements[step](journey);
}

/** The step the owner should see now: the first whose data is still missing. */
export function firstOpenStep(journey: Journey): Step {
  if (journey.accountId === null) return 'landing';
  if (journey.brand === null) return 'brand';
  if (journey.vin === null) return 'vin';
  return 'permissions';
}

export function stepPath(uid: string, step: Step): string {
  return `/interaction/${uid}/${step}`;
}

/** The step indicator's data: which steps are done and which is current. */
export function progress(current: Step): Array<{ id: Step; current: boolean; done: boolean }> {
  const index = steps.indexOf(current);
  // landing and account are alternatives: both count as the first step of the indicator.
  return steps.map((id, position) => ({
    id,
    current: id === current,
    done: position < index && !(current === 'account' && id === 'landing'),
  }));
}
