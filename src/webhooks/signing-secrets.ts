// Standard Webhooks signing secrets (`whsec_` + base64 of random bytes) and their rotation with an overlap:
// the previous secret keeps signing beside the new one until it expires, so a receiver can move to the new
// secret without refusing a delivery. `webhook-signature` then holds one space-separated `v1,` signature per
// secret, as the spec provides for rotation. For anyone who receives webhooks: apps now, fleets later.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { InvalidInput } from '../errors.ts';
import type { WebhookSecrets } from '../storage/webhook-secrets.ts';

export const defaultOverlapSeconds = 86_400;
/** A receiver needs only the time to deploy its new secret; an old secret kept longer stays a leak longer. */
export const maxOverlapSeconds = 30 * 86_400;

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** A new owner's secrets: one current secret, nothing in overlap. */
export function freshWebhookSecrets(): WebhookSecrets {
  return { current: newWebhookSecret(), previous: null, previousExpiresAt: null };
}

/** The secrets that sign at `now`: the current one first, then the previous one while its overlap lasts. */
export function secretsInForce(secrets: WebhookSecrets, now: number): string[] {
  const { current, previous, previousExpiresAt } = secrets;
  return previous !== null && previousExpiresAt !== null && previousExpiresAt > now
    ? [current, previous]
    : [current];
}

/** Signers by secret: decoding a secret's key once per receiver, not once per delivery. */
const signers = new Map<string, Webhook>();
const mostSigners = 1000;

function signerOf(secret: string): Webhook {
  let signer = signers.get(secret);
  if (!signer) {
    if (signers.size >= mostSigners) signers.clear();
    signer = new Webhook(secret);
    signers.set(secret, signer);
  }
  return signer;
}

/** The `webhook-signature` header for a message sent at `timestamp`: one signature per secret in force. */
export function signatureHeader(
  secrets: WebhookSecrets,
  webhookId: string,
  timestamp: Date,
  body: string,
): string {
  return secretsInForce(secrets, timestamp.getTime())
    .map((secret) => signerOf(secret).sign(webhookId, timestamp, body))
    .join(' ');
}

/** The overlap asked for (seconds, as typed), checked before it is converted; the default when not given. */
export function overlapSecondsFrom(raw: string | undefined): number {
  if (raw === undefined) return defaultOverlapSeconds;
  if (/^\d{1,8}$/.test(raw) && Number(raw) <= maxOverlapSeconds) return Number(raw);
  const problem = `the overlap must be a whole number of seconds from 0 to ${maxOverlapSeconds} (30 days), not ${raw}`;
  throw new InvalidInput({ messageValues: { problems: [problem] }, cause: problem });
}

/** Where an owner's secrets are kept (the apps repository; a fleets repository alike). */
export interface WebhookSecretStore {
  findWebhookSecrets(ownerId: string): Promise<WebhookSecrets | undefined>;
  /** Stores `next` if the owner's current secret is still `expected`; false otherwise. */
  replaceWebhookSecrets(ownerId: string, expected: string, next: WebhookSecrets): Promise<boolean>;
}

/**
 * Gives the owner a new current secret and keeps the one it replaces signing until `now + overlapSeconds`.
 * Only the two newest secrets sign: a previous secret still in its overlap is dropped. Undefined when there
 * is no such owner; nothing changes then.
 */
export async function rotateWebhookSecret(
  store: WebhookSecretStore,
  ownerId: string,
  overlapSeconds: number,
  now = Date.now(),
): Promise<WebhookSecrets | undefined> {
  if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > maxOverlapSeconds)
    throw new RangeError(`overlap of ${overlapSeconds} seconds`);
  // A rotation running at the same moment wins the race; this one then rotates the secret it made.
  for (let attempt = 0; attempt < 3; attempt++) {
    const secrets = await store.findWebhookSecrets(ownerId);
    if (!secrets) return undefined;
    const next: WebhookSecrets = {
      current: newWebhookSecret(),
      previous: secrets.current,
      previousExpiresAt: now + overlapSeconds * 1000,
    };
    if (await store.replaceWebhookSecrets(ownerId, secrets.current, next)) return next;
  }
  throw new Error(`the webhook secret of ${ownerId} kept changing while it was rotated; try again`);
}
