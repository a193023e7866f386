// Maintenance deletes history older than HISTORY_RETENTION: finished outbox jobs (done or given up on),
// recorded OEM event ids and the webhook delivery log. Jobs still due, and their delivery attempts, are kept
// whatever their age.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningKeyturn, startKeyturn } from '../support/keyturn.ts';

const day = 86_400_000;

describe('history retention', () => {
  let keyturn: RunningKeyturn;
  const retentionDays = 8;
  const ago = (days: number) => Date.now() - days * day;

  beforeAll(async () => {
    keyturn = await startKeyturn({ HISTORY_RETENTION: String((retentionDays * day) / 1000) });
  });
  afterAll(async () => {
    await keyturn?.close();
  });

  const job = (name: string, fields: { doneAt: number | null; lastError?: string }) => ({
    kind: 'app_webhook',
    payload: JSON.stringify({ name }),
    dedupe_key: `retention:${name}`,
    attempts: 1,
    run_at: ago(10),
    created_at: ago(10),
    done_at: fields.doneAt,
    last_error: fields.lastError ?? null,
  });
  const delivery = (webhookId: string, jobId: number, attemptedAt: number) => ({
    client_id: 'retention-app',
    job_id: jobId,
    webhook_id: webhookId,
    event_type: 'authorization_changed',
    url: 'https://app.example/webhooks',
    status_code: 204,
    error: null,
    duration_ms: 12,
    attempted_at: attemptedAt,
  });

  it('maintenance › deletes finished jobs, event ids and deliveries older than the retention, in batches; keeps younger ones, and jobs still due with their attempts', async () => {
    const knex = keyturn.database.query();
    const [doneLongAgo, , doneLately, stillDue] = (
      await knex('outbox')
        .insert([
          job('done-long-ago', { doneAt: ago(retentionDays + 1) }),
          job('given-up-long-ago', { doneAt: ago(retentionDays + 1), lastError: 'abandoned: 410 Gone' }),
          job('done-lately', { doneAt: ago(retentionDays - 1) }),
          job('still-due', { doneAt: null, lastError: '503 Service Unavailable' }),
        ])
        .returning('id')
    ).map((row: { id: number | string }) => row.id);
    // More old event ids than one delete removes at a time.
    const oldEvents = Array.from({ length: 2_500 }, (_, i) => ({
      id: `bmw:old-${i}`,
      provider: 'bmw',
      received_at: ago(retentionDays + 1),
    }));
    for (let i = 0; i < oldEvents.length; i += 250)
      await knex('inbound_events').insert(oldEvents.slice(i, i + 250));
    await knex('inbound_events').insert({
      id: 'bmw:lately',
      provider: 'bmw',
      received_at: ago(retentionDays - 1),
    });
    await knex('webhook_deliveries').insert([
      delivery('msg_long_ago', Number(doneLongAgo), ago(retentionDays + 1)),
      delivery('msg_lately', Number(doneLately), ago(retentionDays - 1)),
      delivery('msg_still_retrying', Number(stillDue), ago(retentionDays + 1)),
    ]);

    const swept = await keyturn.maintenance();

    expect(swept.history).toBe(2 + oldEvents.length + 1);
    const jobs = await knex('outbox').where('dedupe_key', 'like', 'retention:%').orderBy('dedupe_key');
    expect(jobs.map((row) => row.dedupe_key)).toEqual(['retention:done-lately', 'retention:still-due']);
    expect(await knex('inbound_events').pluck('id')).toEqual(['bmw:lately']);
    expect(await knex('webhook_deliveries').orderBy('webhook_id').pluck('webhook_id')).toEqual([
      'msg_lately',
      'msg_still_retrying',
    ]);

    // A kept event id still recognises the maker's redelivery; a forgotten one is news again.
    const { inboundEvents } = keyturn.repositories;
    expect(await inboundEvents.firstSighting('bmw:lately', 'bmw')).toBe(false);
    expect(await inboundEvents.firstSighting('bmw:old-0', 'bmw')).toBe(true);
    expect((await keyturn.maintenance()).history).toBe(0);
  });
});
