// The journey's interaction loading on the error path: an interaction oidc-provider cannot find has
// expired (410), but a database that cannot be reached while looking for it is a 503 the owner may retry.
import Koa from 'koa';
import type AuthorizationServer from 'oidc-provider';
import { errors } from 'oidc-provider';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { type JourneyDependencies, loadJourney } from '../../src/journey/context.ts';
import { createLogger } from '../../src/logger.ts';
import { errorHandler } from '../../src/web/error-handler.ts';

function journeyStepFailingWith(error: Error): Koa {
  // Typed as the real dependencies' fields, so a renamed field fails to compile rather than leaving a
  // fake nobody calls (which would make every failure look like an expired link).
  const deps: Partial<JourneyDependencies> = {
    authorizationServer: {
      interactionDetails: async () => {
        throw error;
      },
    } as unknown as AuthorizationServer,
    journeys: { find: async () => undefined } as unknown as JourneyDependencies['journeys'],
    apps: { find: async () => undefined } as unknown as JourneyDependencies['apps'],
  };
  const app = new Koa();
  app.use(errorHandler(createLogger('silent')));
  app.use(async (ctx, next) => {
    ctx.params = { uid: 'some-uid' };
    await next();
  });
  app.use(loadJourney(deps as JourneyDependencies));
  return app;
}

describe('GET /interaction/:uid/:step › loading the interaction', () => {
  it('answers the localized "link expired" page (410) when oidc-provider has no such interaction', async () => {
    const app = journeyStepFailingWith(new errors.SessionNotFound('interaction session not found'));
    const response = await request(app.callback())
      .get('/interaction/some-uid/vin')
      .set('accept', 'text/html');
    expect(response.status).toBe(410);
  });

  it('answers 503 with Retry-After, not "link expired", when the database connection was terminated', async () => {
    const terminated = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
    });
    const app = journeyStepFailingWith(terminated);
    const response = await request(app.callback())
      .get('/interaction/some-uid/vin')
      .set('accept', 'text/html');
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
  });
});
