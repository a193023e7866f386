import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newBrowser, walkAsNewOwner } from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp, startKeyturn } from '../support/keyturn.ts';
import { authorizationRequest, discover } from '../support/relying-party.ts';

// With SMTP_URL set, owner mail goes over real SMTP (a local SMTP peer), not into the dev mailbox.
describe('owner mail over SMTP', () => {
  const received: Array<{ to: string[]; data: string }> = [];
  let smtp: SMTPServer;
  let keyturn: RunningKeyturn;

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            data: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const { port } = smtp.server.address() as AddressInfo;
    keyturn = await startKeyturn({
      SMTP_URL: `smtp://127.0.0.1:${port}`,
      RELAY_RETRY_BASE_MS: '20',
      RELAY_RETRY_MAX_MS: '100',
    });
  });
  afterAll(async () => {
    await keyturn?.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('POST /interaction/:uid/permissions › a new owner gets the German set-password mail through the SMTP peer', async () => {
    const app = await registerTestApp(keyturn);
    const request = await authorizationRequest(await discover(keyturn.url, app), { locale: 'de' });
    await walkAsNewOwner(newBrowser('de'), request.url, { email: 'smtp.owner@example.com' });
    // The SMTP peer may be slow under a loaded test run: drain until the retry delivered it (or give up).
    // The simulated maker mails the owner too (through the same SMTP setup): pick Keyturn's own mail.
    const keyturnMail = () =>
      received.find(
        (m) =>
          m.to.includes('smtp.owner@example.com') &&
          m.data.replace(/=\r?\n/g, '').includes('/account/password'),
      );
    for (let i = 0; i < 50 && !keyturnMail(); i++) {
      await keyturn.worker.drain();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const mail = keyturnMail();
    // Quoted-printable body: join soft line breaks before looking for the link.
    const body = (mail?.data ?? '').replace(/=\r?\n/g, '');
    expect(body).toMatch(/^Subject: /m);
    expect(body).toContain('/account/password?token=3D');
    expect(body).toMatch(/Passwort/);
    const mailbox = (await (await fetch(`${keyturn.url}/dev/mailbox.json`)).json()) as unknown[];
    expect(mailbox.filter((m) => JSON.stringify(m).includes('smtp.owner@example.com'))).toHaveLength(0);
  });
});
