import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityViolations, openBrowser } from '../support/chromium.ts';
import { type RunningKeyturn, startKeyturn } from '../support/keyturn.ts';

// The OEM simulator, the demo app and the dev mailbox are served only with KEYTURN_DEV_TOOLS on; without
// it their paths are Keyturn's ordinary 404.
const devToolPaths = ['/demo', '/dev/mailbox.json', '/oem-simulator/_simulator/style.css'];

describe('dev tools', () => {
  let withTools: RunningKeyturn;
  let withoutTools: RunningKeyturn;

  beforeAll(async () => {
    withTools = await startKeyturn({ KEYTURN_DEV_TOOLS: 'true' });
    withoutTools = await startKeyturn({ KEYTURN_DEV_TOOLS: 'false' });
  });
  afterAll(async () => {
    await withTools?.close();
    await withoutTools?.close();
  });

  it('KEYTURN_DEV_TOOLS=true › the demo, the mailbox and the OEM simulator answer', async () => {
    expect(withTools.simulator).toBeDefined();
    for (const path of devToolPaths)
      expect((await request(withTools.app.callback()).get(path)).status, path).not.toBe(404);
  });

  it('KEYTURN_DEV_TOOLS=false › their paths are 404 and no simulator runs', async () => {
    expect(withoutTools.simulator).toBeUndefined();
    for (const path of devToolPaths) {
      const response = await request(withoutTools.app.callback()).get(path);
      expect(response.status, path).toBe(404);
    }
  });

  it('GET /dev/mailbox?to= › only the mails to that address, page and JSON; two mails with one subject are no duplicate landmarks', async () => {
    const mail = { subject: 'Your request was sent', text: 'Hello', html: null };
    await withTools.repositories.devMail.add({ ...mail, to: 'alice@example.com' });
    await withTools.repositories.devMail.add({ ...mail, to: 'bob@example.com' });
    const json = await request(withTools.app.callback()).get('/dev/mailbox.json?to=ALICE');
    expect(json.body.map((m: { to: string }) => m.to)).toEqual(['alice@example.com']);
    const page = await request(withTools.app.callback()).get('/dev/mailbox?to=alice');
    expect(page.text).toContain('alice@example.com');
    expect(page.text).not.toContain('bob@example.com');

    // Both mails on one page, checked by axe with its landmark rules beside WCAG's.
    const server: Server = createServer(withTools.app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const browser = await openBrowser();
    try {
      const { port } = server.address() as AddressInfo;
      await browser.page.goto(`http://127.0.0.1:${port}/dev/mailbox`);
      expect(await browser.page.locator('article.mail').count()).toBeGreaterThanOrEqual(2);
      expect(await accessibilityViolations(browser.page)).toEqual([]);
      const landmarks = (await browser.page.evaluate(
        "axe.run(document, { runOnly: { type: 'rule', values: ['landmark-unique', 'region'] } }).then((r) => r.violations.map((v) => v.id))",
      )) as string[];
      expect(landmarks).toEqual([]);
    } finally {
      await browser.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
