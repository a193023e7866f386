import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
