// The development tools served beside Keyturn: the OEM simulator (for makers without real credentials),
// the demo app (and its FAPI 2.0 variant) and the dev mailbox. The web entry imports this module only when KEYTURN_DEV_TOOLS is on,
// so a production process never loads them.
import type Router from '@koa/router';
import { simulatorMountPath } from '../connectors/registry.ts';
import type { Container } from '../container.ts';
import { demoRouter } from './demo/app.ts';
import { receivedEvents } from './demo/received-events.ts';
import { ensureDemoApp } from './demo/register.ts';
import { demoWebhookEndpoint } from './demo/webhooks.ts';
import { fapiDemoRouter } from './demo-fapi/app.ts';
import { ensureFapiDemoApp } from './demo-fapi/register.ts';
import { devMailboxRouter } from './mailbox/mailbox.ts';
import { createOemSimulator, type OemSimulator } from './oem-simulator/app.ts';

export interface DevTools {
  /** The OEM simulator, to mount at `simulatorMountPath`, when a maker has no configured endpoint. */
  simulator: OemSimulator | undefined;
  /** The demo apps' and the dev mailbox's routes. */
  routers: Router[];
}

export async function devTools(container: Container): Promise<DevTools> {
  const { config, logger, repositories, connectors, mailer } = container;

  const simulator =
    Object.keys(connectors.simulated).length === 0
      ? undefined
      : createOemSimulator({
          publicUrl: `${config.issuer}${simulatorMountPath}`,
          providers: connectors.simulated,
          sendMail: (mail) => mailer.send(mail),
          locationIntervalMs: config.simulatorLocationInterval * 1000,
          logger: logger.child({ component: 'oem-simulator' }),
        });

  const demo = await ensureDemoApp(repositories.settings, repositories.apps, config.issuer, config.webhooks);
  if (demo.webhookProblems.length > 0)
    logger.warn({ problems: demo.webhookProblems }, 'the demo app runs without webhooks');
  const events = receivedEvents();
  const demoRoutes = demoRouter({ issuer: config.issuer, ...demo, events });
  demoRoutes.post(
    '/webhooks',
    demoWebhookEndpoint(demo.webhookSecret, events, logger.child({ component: 'demo' })),
  );

  const fapiDemo = await ensureFapiDemoApp(
    repositories.settings,
    repositories.apps,
    config.issuer,
    config.webhooks,
  );
  const fapiDemoRoutes = fapiDemoRouter({ issuer: config.issuer, ...fapiDemo });

  return {
    simulator,
    routers: [devMailboxRouter(repositories.devMail), demoRoutes, fapiDemoRoutes],
  };
}
