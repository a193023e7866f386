// Sends mail through nodemailer: SMTP when SMTP_URL is set, otherwise into the dev mailbox's store.
// SMTP connections are pooled (unless SMTP_URL says `pool=false`): the journey mails its one-time codes
// while the owner waits, and a new connection per mail would add its handshake to every one.
import nodemailer from 'nodemailer';
import type { DevMailRepository } from '../storage/dev-mail.ts';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
  close(): void;
}

function pooled(smtpUrl: string): string {
  const url = new URL(smtpUrl);
  if (!url.searchParams.has('pool')) url.searchParams.set('pool', 'true');
  return url.href;
}

export function createMailer(options: {
  smtpUrl: string | undefined;
  from: string;
  devMail: DevMailRepository;
}): Mailer {
  if (options.smtpUrl) {
    const transport = nodemailer.createTransport(pooled(options.smtpUrl));
    return {
      async send(mail) {
        await transport.sendMail({ from: options.from, ...mail });
      },
      close: () => transport.close(),
    };
  }
  // jsonTransport runs nodemailer's own message building, so addresses are validated as for SMTP.
  const transport = nodemailer.createTransport({ jsonTransport: true });
  return {
    async send(mail) {
      await transport.sendMail({ from: options.from, ...mail });
      await options.devMail.add({
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html ?? null,
      });
    },
    close: () => transport.close(),
  };
}
