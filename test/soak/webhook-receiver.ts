// The app's webhook endpoint: verifies every delivery as an integrator would (Standard Webhooks, with the
// secret `keyturn apps add` printed), answers 204, and keeps each receipt by its `webhook-id`. A delivery
// that does not verify is answered 401 and counted; it is not a receipt.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Receipt {
  webhookId: string;
  at: number;
  vin: string;
  status: string;
}

export interface WebhookReceiver {
  url: string;
  receipts: Receipt[];
  /** Deliveries refused because their signature did not verify. */
  unverified(): number;
  verifyWith(secret: string): void;
  close(): Promise<void>;
}

interface AuthorizationChanged {
  vehicle?: { vin?: string };
  authorization?: { status?: string };
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const receipts: Receipt[] = [];
  let verifier: Webhook | undefined;
  let refused = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let event: AuthorizationChanged;
      try {
        if (!verifier) throw new Error('no secret yet');
        event = verifier.verify(body, req.headers as Record<string, string>) as AuthorizationChanged;
      } catch {
        refused++;
        res.writeHead(401).end();
        return;
      }
      receipts.push({
        webhookId: String(req.headers['webhook-id']),
        at: Date.now(),
        vin: event.vehicle?.vin ?? '',
        status: event.authorization?.status ?? '',
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    receipts,
    unverified: () => refused,
    verifyWith(secret) {
      verifier = new Webhook(secret);
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
