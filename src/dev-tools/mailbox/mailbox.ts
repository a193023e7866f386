// The development mailbox (never in production): every mail Keyturn would have sent, newest first,
// as a page (GET /dev/mailbox) and as JSON (GET /dev/mailbox.json: [{to, subject, text, links}]).
import Router from '@koa/router';
import type { DevMailRepository } from '../../storage/dev-mail.ts';
import { render } from '../../web/views.ts';

const linkPattern = /https?:\/\/[^\s<>"')]+/g;

export function linksIn(text: string): string[] {
  return [...new Set(text.match(linkPattern) ?? [])];
}

export function devMailboxRouter(devMail: DevMailRepository): Router {
  const router = new Router({ prefix: '/dev' });
  const mails = async () =>
    (await devMail.list()).map((mail) => ({
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      links: linksIn(mail.text),
      createdAt: new Date(mail.createdAt).toISOString(),
    }));
  router.get('/mailbox.json', async (ctx) => {
    ctx.body = (await mails()).map(({ to, subject, text, links }) => ({ to, subject, text, links }));
  });
  router.get('/mailbox', async (ctx) => render(ctx, 'dev/mailbox.njk', { mails: await mails() }));
  return router;
}
