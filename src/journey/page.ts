// Shared pieces of every journey page: who is asking (./requester.ts), the owner the browser's login
// session names ("Continuing as … · Not you?"), the step indicator, the back link, the Cancel form, and the
// guard that keeps steps from being skipped by URL (GET → redirect to the open step;
// POST → refused).
// Each page names its step on <main data-step>, since the interaction's own URL shows whichever is open.
// A page re-shown with errors starts its <title> with "Error: " (views/journey/_layout.njk).
import type { Context } from 'koa';
import { KeyturnError } from '../errors.ts';
import { render } from '../web/views.ts';
import { cancelPath } from './cancel.ts';
import { type JourneyState, journeyOf } from './context.ts';
import { notYouPath } from './not-you.ts';
import { requesterOf } from './requester.ts';
import { firstOpenStep, mayShow, progress, type Step, stepPath } from './steps.ts';

const previous: Record<Step, Step | undefined> = {
  landing: undefined,
  account: 'landing',
  verify: 'account',
  brand: undefined,
  vin: 'brand',
  permissions: 'vin',
};

export function renderStep(ctx: Context, step: Step, data: Record<string, unknown>, status = 200): void {
  const { app, interaction, continuingAs } = journeyOf(ctx);
  const back = previous[step];
  const errors = data.errors as Record<string, string> | undefined;
  render(
    ctx,
    `journey/${step}.njk`,
    {
      // The site header names the app; its logo or monogram is shown once, with the rest of who is asking.
      app: { name: app.name },
      requester: requesterOf(app, interaction.params),
      continuingAs,
      notYouAction: continuingAs ? notYouPath(interaction.uid) : undefined,
      journeyStep: step,
      steps: progress(step),
      action: stepPath(interaction.uid, step),
      backHref: back ? stepPath(interaction.uid, back) : undefined,
      cancelAction: cancelPath(interaction.uid),
      hasErrors: errors !== undefined && Object.keys(errors).length > 0,
      ...data,
    },
    status,
  );
}

export function redirectTo(ctx: Context, step: Step): void {
  ctx.status = 303;
  ctx.redirect(stepPath(journeyOf(ctx).interaction.uid, step));
}

export function redirectToOpenStep(ctx: Context): void {
  redirectTo(ctx, firstOpenStep(journeyOf(ctx).journey));
}

/** Runs `handler` only when `step` is reachable with the journey's current progress. */
export function guarded(step: Step, handler: (ctx: Context, state: JourneyState) => Promise<void>) {
  return async function guardedStep(ctx: Context) {
    const state = journeyOf(ctx);
    if (mayShow(step, state.journey)) return handler(ctx, state);
    if (ctx.method === 'GET') return redirectToOpenStep(ctx);
    throw new KeyturnError(409, 'step_not_available');
  };
}

/** A form field as a trimmed string, or undefined when absent or not a string (arrays are refused). */
export function field(ctx: Context, name: string): string | undefined {
  const value = (ctx.request.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim() : undefined;
}
