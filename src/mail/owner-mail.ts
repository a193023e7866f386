// The owner's follow-up mail after a journey: a new owner gets a single-use link to set a password; an
// address that already had an account is told to sign in next time (with a link to set a new password).
// The link token is created only when the mail is sent, so no usable secret waits in the outbox.
import { isLocale, translator } from '../i18n/index.ts';
import { PermanentJobFailure } from '../relay/worker.ts';
import { hashSecret, randomToken } from '../security/secrets.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { Mailer } from './mailer.ts';

export const ownerMailJob = 'owner_mail';

export interface OwnerMailDependencies {
  accounts: AccountsRepository;
  mailer: Mailer;
  issuer: string;
  passwordLinkTtlSeconds: number;
}

export function ownerMailHandler(deps: OwnerMailDependencies) {
  return async function sendOwnerMail(payload: Record<string, unknown>): Promise<void> {
    const account = await deps.accounts.find(String(payload.accountId));
    if (!account) throw new PermanentJobFailure('account no longer exists');
    const template = payload.template === 'set_password' ? 'set_password' : 'existing_account';
    const locale = isLocale(payload.locale) ? payload.locale : 'en';
    const t = translator(locale);
    const token = randomToken(32);
    const expiresAt = Date.now() + deps.passwordLinkTtlSeconds * 1000;
    await deps.accounts.createPasswordLink(account.id, hashSecret(token), expiresAt);
    const link = `${deps.issuer}/account/password?token=${token}&lang=${locale}`;
    const expires =
      new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(
        expiresAt,
      ) + ' UTC';
    const values = { app: payload.appName, vin: payload.vin, link, expires };
    await deps.mailer.send({
      to: account.email,
      subject: t(`mail:${template}.subject`, values),
      text: t(`mail:${template}.body`, values),
    });
  };
}
