// Verifies a webhook from Keyturn per Standard Webhooks: the HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}`
// keyed with the base64 part of the `whsec_` secret, compared in constant time against each `v1,<base64>`
// in `webhook-signature` (two during a secret rotation), and a timestamp within 5 minutes either way of
// now (against replays). Only then is the body parsed and its type checked.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookVerificationError } from './errors.ts';
import {
  type KeyturnWebhook,
  type VerifiedWebhook,
  type WebhookType,
  webhookTypes,
} from './webhook-types.ts';

export const webhookToleranceSeconds = 5 * 60;

/** Node's `req.headers`, a Fetch `Headers`, or a plain record of header names (any case) to values. */
export type WebhookHeaders =
  | Headers
  | Record<string, string | string[] | undefined>
  | { get(name: string): string | null };

export interface VerifyWebhookOptions {
  /** The time to check the timestamp against; the clock's by default. */
  now?: Date | number;
  toleranceSeconds?: number;
}

function headerOf(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value.join(' ') : value;
}

function keyOf(secret: string): Buffer {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  if (key.length === 0) throw new WebhookVerificationError('invalid_secret', 'the webhook secret is empty');
  return key;
}

/**
 * The webhook, typed by its `type`, once its signature and timestamp verify with one of `secret` (pass the
 * old and the new secret while you rotate yours). Throws WebhookVerificationError otherwise.
 */
export function verifyWebhook(
  rawBody: string | Uint8Array,
  headers: WebhookHeaders,
  secret: string | readonly string[],
  options: VerifyWebhookOptions = {},
): VerifiedWebhook {
  const id = headerOf(headers, 'webhook-id');
  const timestamp = headerOf(headers, 'webhook-timestamp');
  const signatures = headerOf(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures)
    throw new WebhookVerificationError(
      'missing_headers',
      'webhook-id, webhook-timestamp and webhook-signature are required',
    );
  const now = options.now === undefined ? Date.now() : Number(options.now);
  const tolerance = options.toleranceSeconds ?? webhookToleranceSeconds;
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) > tolerance)
    throw new WebhookVerificationError(
      'timestamp_out_of_tolerance',
      `webhook-timestamp is not within ${tolerance} seconds of now`,
    );
  const body = Buffer.from(rawBody);
  const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body]);
  const expected = (typeof secret === 'string' ? [secret] : secret).map((one) =>
    createHmac('sha256', keyOf(one)).update(signed).digest(),
  );
  const presented = signatures
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice(3), 'base64'));
  const verified = presented.some((signature) =>
    expected.some((mac) => signature.length === mac.length && timingSafeEqual(signature, mac)),
  );
  if (!verified)
    throw new WebhookVerificationError('invalid_signature', 'no webhook-signature matches the secret');
  const parsed = parseWebhookBody(body.toString('utf8'));
  return {
    type: parsed.event.type,
    id,
    timestamp: new Date(Number(timestamp) * 1000),
    body: parsed,
  } as VerifiedWebhook;
}

function parseWebhookBody(text: string): KeyturnWebhook {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new WebhookVerificationError('invalid_body', 'the webhook body is not JSON');
  }
  const event = (body as { event?: { type?: unknown } } | null)?.event;
  if (typeof event !== 'object' || event === null)
    throw new WebhookVerificationError('invalid_body', 'the webhook body has no event');
  if (!webhookTypes.includes(event.type as WebhookType))
    throw new WebhookVerificationError('unknown_type', `unknown webhook type ${String(event.type)}`);
  return body as KeyturnWebhook;
}
