// The callbacks' queue: bounded concurrency, pending I/O handled between tasks, and a full queue refused
// with 503 + Retry-After, localized, through the one error path.
import Koa from 'koa';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ServiceBusy } from '../../src/errors.ts';
import { createLogger } from '../../src/logger.ts';
import { bulkQueue } from '../../src/web/bulk-queue.ts';
import { errorHandler } from '../../src/web/error-handler.ts';

const busyFor = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe('bulkQueue', () => {
  it('runs no more tasks at once than its concurrency', async () => {
    const queue = bulkQueue({ concurrency: 2, maxWaiting: 100 });
    let running = 0;
    let most = 0;
    const task = async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
    };
    await Promise.all(Array.from({ length: 8 }, () => queue.run(task)));
    expect(most).toBe(2);
  });

  it('lets work that arrived meanwhile run before the next task starts', async () => {
    const queue = bulkQueue({ concurrency: 1, maxWaiting: 100 });
    const order: string[] = [];
    const tasks = Array.from({ length: 3 }, (_, i) =>
      queue.run(async () => {
        busyFor(2);
        order.push(`task ${i}`);
        // Something arrives while task 0 runs (an introspection request, say).
        if (i === 0) setImmediate(() => order.push('other'));
      }),
    );
    await Promise.all(tasks);
    expect(order).toEqual(['task 0', 'other', 'task 1', 'task 2']);
  });

  it('refuses at once when the queue is full, and keeps serving the rest', async () => {
    const queue = bulkQueue({ concurrency: 1, maxWaiting: 2 });
    const slow = () => new Promise((resolve) => setTimeout(resolve, 10));
    const accepted = [queue.run(slow), queue.run(slow)];
    await expect(queue.run(slow)).rejects.toBeInstanceOf(ServiceBusy);
    await Promise.all(accepted);
    await expect(queue.run(async () => 'ok')).resolves.toBe('ok');
  });
});

describe('ServiceBusy on the error path', () => {
  it('answers 503 with Retry-After and a localized JSON message', async () => {
    const app = new Koa();
    app.use(async (ctx, next) => {
      ctx.state.locale = 'de';
      await next();
    });
    app.use(errorHandler(createLogger('silent')));
    app.use(() => {
      throw new ServiceBusy();
    });
    const response = await request(app.callback()).post('/callbacks/bmw').send({});
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.body).toEqual({
      error: 'busy',
      error_description: 'Keyturn ist gerade ausgelastet. Bitte versuchen Sie es gleich noch einmal.',
    });
  });
});
