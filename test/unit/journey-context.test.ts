// The journey's interaction loading on the error path: an interaction oidc-provider cannot find has
// expired (410), but a database that cannot be reached while looking for it is a 503 the owner may retry.
import Koa from 'koa';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { type JourneyDependencies, loadJourney } from '../../src/journey/context.ts';
import { createLogger } from '../../src/logger.ts';
import { errorHandler } from '../../src/web/error-handler.ts';

function journeyStepFailingWith(error: Error): Koa {
  const deps = {
    provider: {
      interactionDetails: async () => {
        throw error;
      },
    } as unknown as Provider,
    journeys: { find: async () => undefined },
    apps: { find: async () => undefined },
    accounts: {},
  } as unknown as JourneyDependencies;
  const app = new Koa();
  app.use(errorHandler(createLogger('silent')));
  app.use(async (ctx, next) => {
    ctx.params = { uid: 'some-uid' };
    await next();
  });
  app.use(loadJourney(deps));
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
