// Reading a journey page as the tests and the benchmark see it: which step it shows, and the interaction
// URL its step URLs hang from. No test-runner imports, so the benchmark can use it too.
import type { Page } from './http-browser.ts';

/** The journey step a page shows (the interaction's own URL shows whichever step is open). */
export function stepOf(page: Page): string | undefined {
  return /<main [^>]*data-step="([a-z]+)"/.exec(page.html)?.[1];
}

/** `…/interaction/<uid>` of a journey page's URL. */
export function interactionBase(page: Page): string {
  const match = /^(.*\/interaction\/[^/?]+)/.exec(page.url);
  if (!match?.[1]) throw new Error(`not a journey page: ${page.url}`);
  return match[1];
}
