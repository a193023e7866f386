// A real SMTP server on 127.0.0.1 that keeps what it receives: Keyturn sends to it when SMTP_URL points
// here (tests of mail over SMTP, and the benchmark, whose server runs without the dev mailbox).
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  /** The raw message, soft line breaks of quoted-printable joined. */
  data: string;
}

export interface SmtpPeer {
  url: string;
  received: ReceivedMail[];
  /** Resolves with the first received mail that `matches`, waiting for it up to `timeoutMs`. */
  waitFor(matches: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** The one-time code in the newest code mail to `email` (its subject starts with the six digits). */
  codeFor(email: string): Promise<string>;
  /** From now on, keep every message's sender waiting for the server's answer until `release()`. */
  hold(): void;
  /** Resolves once `count` messages are being held. */
  holding(count: number): Promise<void>;
  /** Answers every held message and stops holding. */
  release(): void;
  close(): Promise<void>;
}

export async function startSmtpPeer(): Promise<SmtpPeer> {
  const received: ReceivedMail[] = [];
  const waiting = new Set<() => void>();
  let holdingOn = false;
  const held: Array<() => void> = [];
  const holdWatchers = new Set<() => void>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks)
            .toString('utf8')
            .replace(/=\r?\n/g, ''),
        });
        for (const wake of waiting) wake();
        if (!holdingOn) return callback();
        held.push(() => callback());
        for (const watch of holdWatchers) watch();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;

  function waitFor(matches: (mail: ReceivedMail) => boolean, timeoutMs = 10_000): Promise<ReceivedMail> {
    const found = () => received.findLast(matches);
    const now = found();
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(check);
        reject(new Error('no matching mail arrived'));
      }, timeoutMs);
      const check = () => {
        const mail = found();
        if (!mail) return;
        clearTimeout(timer);
        waiting.delete(check);
        resolve(mail);
      };
      waiting.add(check);
    });
  }

  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    waitFor,
    async codeFor(email) {
      const subjectCode = /^Subject: (\d{6}) /m;
      const mail = await waitFor((m) => m.to.includes(email) && subjectCode.test(m.data));
      return subjectCode.exec(mail.data)?.[1] as string;
    },
    hold() {
      holdingOn = true;
    },
    holding(count) {
      return new Promise((resolve) => {
        const watch = () => {
          if (held.length < count) return;
          holdWatchers.delete(watch);
          resolve();
        };
        holdWatchers.add(watch);
        watch();
      });
    },
    release() {
      holdingOn = false;
      for (const answer of held.splice(0)) answer();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
