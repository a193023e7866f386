// The HTTP connector every built-in maker (BMW/MINI, Mercedes-Benz, Stellantis) is configured with:
//   POST {baseUrl}/clearances   Authorization: Bearer <apiKey>, Idempotency-Key: <one per request>
//        {clearance_id, vin, tracker_id?, brand, data_points, callback_url, primary_user_hint, locale, app_name}
//        201/200 {id, status} → accepted;  422 {error:"unknown_vin"} → unknown VIN;  5xx/408/429/network → retry;
//        any other 4xx → refused (not retried)
//   DELETE {baseUrl}/clearances/{id} → 204 (also 404: already gone)
// Each attempt has a timeout; redirects are not followed.
import {
  type ClearanceRequest,
  type ClearanceRequestResult,
  type OemConnector,
  OemRequestRefused,
  OemUnavailable,
} from './connector.ts';

export interface HttpConnectorOptions {
  provider: string;
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
}

const isRefusal = (status: number) => status >= 400 && status < 500 && status !== 408 && status !== 429;

export function httpConnector(options: HttpConnectorOptions): OemConnector {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const base = options.baseUrl.replace(/\/$/, '');
  async function call(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(`${base}${path}`, {
        ...init,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          authorization: `Bearer ${options.apiKey}`,
          'content-type': 'application/json',
          ...(init.headers ?? {}),
        },
      });
    } catch (error) {
      throw new OemUnavailable(`${options.provider}: ${(error as Error).message}`);
    }
  }

  return {
    provider: options.provider,
    async requestClearance(request: ClearanceRequest): Promise<ClearanceRequestResult> {
      const response = await call('/clearances', {
        method: 'POST',
        headers: { 'idempotency-key': request.idempotencyKey },
        body: JSON.stringify({
          clearance_id: request.clearanceId,
          vin: request.vin,
          ...(request.trackerId === undefined ? {} : { tracker_id: request.trackerId }),
          brand: request.brand,
          data_points: request.dataPoints,
          callback_url: request.callbackUrl,
          primary_user_hint: request.primaryUserHint,
          locale: request.locale,
          app_name: request.appName,
        }),
      });
      const body = (await response.json().catch(() => ({}))) as { id?: string; error?: string };
      if ((response.status === 200 || response.status === 201) && body.id)
        return { outcome: 'accepted', reference: body.id };
      if (response.status === 422 && body.error === 'unknown_vin') return { outcome: 'unknown_vin' };
      if (isRefusal(response.status))
        throw new OemRequestRefused(
          `${options.provider}: clearance request refused with ${response.status} ${body.error ?? ''}`.trim(),
        );
      throw new OemUnavailable(
        `${options.provider}: clearance request answered ${response.status} ${body.error ?? ''}`.trim(),
      );
    },
    async revokeClearance(reference: string): Promise<void> {
      const response = await call(`/clearances/${encodeURIComponent(reference)}`, { method: 'DELETE' });
      await response.body?.cancel();
      if (response.status !== 204 && response.status !== 404)
        throw new OemUnavailable(`${options.provider}: revoke answered ${response.status}`);
    },
  };
}
