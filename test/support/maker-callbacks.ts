// A maker's signed callbacks to Keyturn, `POST /callbacks/:provider`, signed here from the Standard Webhooks
// spec with node:crypto (independent of the library Keyturn verifies with).
import { createHmac, randomBytes } from 'node:crypto';

export function standardWebhookSignature(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export const newWebhookId = () => `msg_${randomBytes(12).toString('hex')}`;

export interface SignedPost {
  /** Keyturn's base URL. */
  issuer: string;
  provider: string;
  secret: string;
  body: string;
  /** Defaults to a fresh id. */
  id?: string;
}

export function postSignedCallback(post: SignedPost): Promise<Response> {
  const id = post.id ?? newWebhookId();
  const timestamp = Math.floor(Date.now() / 1000);
  return fetch(`${post.issuer}/callbacks/${post.provider}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': standardWebhookSignature(post.secret, id, timestamp, post.body),
    },
    body: post.body,
  });
}

export function callbackBody(
  type: string,
  clearance: { id: string; vin: string },
  properties: Record<string, unknown> = {},
  timestamp = new Date(),
): string {
  return JSON.stringify({
    type,
    timestamp: timestamp.toISOString(),
    data: { clearance_id: clearance.id, vin: clearance.vin, ...properties },
  });
}

/** Every property of the makers' webhook table, with plausible values. */
export const everyProperty = {
  latitude: 48.1772,
  longitude: 11.5562,
  heading: 270,
  ignition: true,
  engine_on: false,
  mileage: 41_230,
  battery_level: 78,
  front_exterior_lights: 'automatic',
  vehicle_moving: false,
  navigation_arrival_duration: 900,
  navigation_destination: { latitude: 48.14, longitude: 11.58 },
  condition_based_services: [{ id: 'oil', status: 'pending', due_date: '2027-03-01', due_distance_km: 1200 }],
  mobile_connection: true,
  vehicle_time: '2026-12-04T10:00:00.000Z',
};
