import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newBrowser, walkAsNewOwner } from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp, startKeyturn } from '../support/keyturn.ts';
import { authorizationRequest, discover } from '../support/relying-party.ts';
import { type SmtpPeer, startSmtpPeer } from '../support/smtp-peer.ts';

// With SMTP_URL set, owner mail goes over real SMTP (a local SMTP peer), not into the dev mailbox.
describe('owner mail over SMTP', () => {
  let smtp: SmtpPeer;
  let keyturn: RunningKeyturn;

  beforeAll(async () => {
    smtp = await startSmtpPeer();
    keyturn = await startKeyturn({
      SMTP_URL: smtp.url,
      RELAY_RETRY_BASE_MS: '20',
      RELAY_RETRY_MAX_MS: '100',
    });
  });
  afterAll(async () => {
    await keyturn?.close();
    await smtp?.close();
  });

  it('POST /interaction/:uid/permissions › a new owner gets the German code and set-password mails through the SMTP peer', async () => {
    const app = await registerTestApp(keyturn);
    const request = await authorizationRequest(await discover(keyturn.url, app), { locale: 'de' });
    await walkAsNewOwner(newBrowser('de'), request.url, {
      email: 'smtp.owner@example.com',
      readCode: (email) => smtp.codeFor(email),
    });
    // The SMTP peer may be slow under a loaded test run: drain until the retry delivered it (or give up).
    // The simulated maker mails the owner too (through the same SMTP setup): pick Keyturn's own mail.
    const keyturnMail = () =>
      smtp.received.find(
        (m) => m.to.includes('smtp.owner@example.com') && m.data.includes('/account/password'),
      );
    for (let i = 0; i < 50 && !keyturnMail(); i++) {
      await keyturn.worker.drain();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const body = keyturnMail()?.data ?? '';
    expect(body).toMatch(/^Subject: /m);
    expect(body).toContain('/account/password?token=3D');
    expect(body).toMatch(/Passwort/);
    const mailbox = (await (await fetch(`${keyturn.url}/dev/mailbox.json`)).json()) as unknown[];
    expect(mailbox.filter((m) => JSON.stringify(m).includes('smtp.owner@example.com'))).toHaveLength(0);
  });
});
