// Sends mail through nodemailer: SMTP when SMTP_URL is set, otherwise into the dev mailbox's store.
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
}

export function createMailer(options: {
  smtpUrl: string | undefined;
  from: string;
  devMail: DevMailRepository;
}): Mailer {
  if (options.smtpUrl) {
    const transport = nodemailer.createTransport(options.smtpUrl);
    return {
      async send(mail) {
        await transport.sendMail({ from: options.from, ...mail });
      },
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
  };
}
