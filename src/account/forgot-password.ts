// "Forgot your password?": the owner gives an email address and is mailed a single-use link to the
// set-password page, the same kind of link new owners get. The answer is the same whether or not an account
// has that address (no account enumeration): a job is queued either way, and the mail job finds out.
// Requests count against the client address's sign-in limit, and one email address gets a few mails per
// window (sign-in-throttle.ts).
import type { Context } from 'koa';
import { isEmailAddress } from '../domain/email.ts';
import { ownerMailJob } from '../mail/owner-mail.ts';
import type { OutboxStore } from '../outbox/store.ts';
import type { SignInThrottle } from '../security/sign-in-throttle.ts';
import { render } from '../web/views.ts';

const action = '/account/password/forgot';
const view = 'account/forgot-password.njk';

export interface ForgotPasswordDependencies {
  outbox: OutboxStore;
  signInThrottle: SignInThrottle;
}

export function forgotPasswordPage(deps: ForgotPasswordDependencies) {
  return {
    show(ctx: Context) {
      render(ctx, view, { action, state: 'form', form: {} });
    },
    async submit(ctx: Context) {
      const body = (ctx.request.body ?? {}) as Record<string, unknown>;
      const email = typeof body.email === 'string' ? body.email.trim() : '';
      if (!isEmailAddress(email))
        return render(
          ctx,
          view,
          { action, state: 'form', form: { email }, error: 'account:errors.email_invalid' },
          400,
        );
      const wait = await deps.signInThrottle.admitPasswordMail(ctx.ip, email);
      if (wait !== undefined) {
        ctx.set('Retry-After', String(wait));
        return render(
          ctx,
          view,
          { action, state: 'form', form: { email }, error: 'account:errors.password_mail_throttled' },
          429,
        );
      }
      await deps.outbox.enqueue(ownerMailJob, {
        template: 'reset_password',
        email,
        locale: ctx.state.locale,
      });
      render(ctx, view, { action, state: 'sent', email });
    },
  };
}
