// Headless Debian Chromium driven by playwright-core for page tests: a fresh profile per browser, phone-sized
// by default, full-page screenshots kept in the OS temp folder, and axe-core's accessibility check.
// Needs /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it); a missing browser fails.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

const chromiumPath = '/usr/bin/chromium';
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];
export const phone = { width: 390, height: 844 };
export const desktop = { width: 1280, height: 800 };

/**
 * A fresh Chromium profile per browser, so no cookie or session leaks from one test into the next.
 * A missing browser fails the test (never a skip): the suite must not pass without a real browser.
 */
export async function openBrowser(
  viewport: { width: number; height: number } = phone,
): Promise<{ context: BrowserContext; page: Page; close(): Promise<void> }> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `${chromiumPath} is missing: install Debian's chromium (apt-get install -y chromium); .ci/run does it`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'keyturn-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    viewport,
    isMobile: viewport.width <= phone.width,
    hasTouch: viewport.width <= phone.width,
    deviceScaleFactor: 2,
    timeout: 30_000,
  });
  context.setDefaultTimeout(10_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Saves a full-page screenshot in the OS temp folder (for a person to look at) and checks that nothing is
 * wider than the phone's viewport, which would force sideways scrolling.
 */
export async function expectToFitPhone(page: Page, name: string): Promise<void> {
  const engine = process.env.KEYTURN_TEST_DB ?? 'sqlite';
  await page.screenshot({
    path: join(tmpdir(), `keyturn-${name}-${engine}.png`),
    fullPage: true,
  });
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(phone.width);
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's violations on the page as loaded (WCAG 2.1 A and AA rules), as `rule: target` strings. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern.
  await page.evaluate(axeSource);
  const violations = (await page.evaluate(
    "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then((r) => r.violations.map((v) => ({ id: v.id, targets: v.nodes.map((n) => n.target.join(' ')) })))",
  )) as { id: string; targets: string[] }[];
  return violations.flatMap((violation) => violation.targets.map((target) => `${violation.id}: ${target}`));
}
