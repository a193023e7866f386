// The development mailbox (never in production): every mail Keyturn would have sent, newest first,
// as a page (GET /dev/mailbox) and as JSON (GET /dev/mailbox.json: [{to, subject, text, links}]); both
// take `?to=` to show only the mails to addresses containing it (any case).
import Router from '@koa/router';
import type { DevMailRepository } from '../../storage/dev-mail.ts';
import { render } from '../../web/views.ts';

const linkPattern = /https?:\/\/[^\s<>"')]+/g;

export function linksIn(text: string): string[] {
  return [...new Set(text.match(linkPattern) ?? [])];
}

export function devMailboxRouter(devMail: DevMailRepository): Router {
  const router = new Router({ prefix: '/dev' });
  const recipientFilter = (raw: unknown) => (typeof raw === 'string' ? raw.trim().toLowerCase() : '');
  const mails = async (to: string) =>
    (await devMail.list())
      .filter((mail) => mail.to.toLowerCase().includes(to))
      .map((mail) => ({
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        links: linksIn(mail.text),
        createdAt: new Date(mail.createdAt).toISOString(),
      }));
  router.get('/mailbox.json', async (ctx) => {
    const list = await mails(recipientFilter(ctx.query.to));
    ctx.body = list.map(({ to, subject, text, links }) => ({ to, subject, text, links }));
  });
  router.get('/mailbox', async (ctx) => {
    const to = recipientFilter(ctx.query.to);
    render(ctx, 'dev/mailbox.njk', { mails: await mails(to), to });
  });
  return router;
}
