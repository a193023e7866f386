// The owner's follow-up mail after a journey: a new owner gets a single-use link to set a password; an
// address that already had an account is told to sign in next time (with a link to set a new password).
// Both are sent while the maker has not yet answered, so they say the request was sent to the maker
// (by brand name) and that the maker asks for approval, never that the vehicle is connected.
// An owner who forgot their password gets a link too (forgot-password.ts); that job names an email
// address, and when no account has it, nothing is sent. A fleet's admin gets a link to set the password
// of the Platform (`keyturn fleets add`).
// The link token is created only when the mail is sent, so no usable secret waits in the outbox.
import { brandOfWmi, findBrand } from '../domain/vehicles/brands.ts';
import { isLocale, translator } from '../i18n/index.ts';
import { PermanentJobFailure } from '../outbox/jobs.ts';
import { hashSecret, randomToken } from '../security/secrets.ts';
import type { Account, AccountsRepository } from '../storage/accounts.ts';
import type { Mailer } from './mailer.ts';

export const ownerMailJob = 'owner_mail';

const templates = ['set_password', 'existing_account', 'reset_password', 'fleet_invitation'] as const;
type Template = (typeof templates)[number];
const journeyTemplates: readonly Template[] = ['set_password', 'existing_account'];

export interface OwnerMailDependencies {
  accounts: AccountsRepository;
  mailer: Mailer;
  issuer: string;
  /** The links new owners and returning ones get after a journey. */
  passwordLinkTtlSeconds: number;
  /** The link an owner asked for with "Forgot your password?". */
  passwordResetLinkTtlSeconds: number;
}

export function ownerMailHandler(deps: OwnerMailDependencies) {
  return async function sendOwnerMail(payload: Record<string, unknown>): Promise<void> {
    const template = templates.find((name) => name === payload.template) ?? 'existing_account';
    if (template === 'reset_password') {
      const account = await deps.accounts.findByEmail(String(payload.email));
      if (account) await sendLink(account, template, payload);
      return;
    }
    const account = await deps.accounts.find(String(payload.accountId));
    if (!account) throw new PermanentJobFailure('account no longer exists');
    await sendLink(account, template, payload);
  };

  async function sendLink(account: Account, template: Template, payload: Record<string, unknown>) {
    const locale = isLocale(payload.locale) ? payload.locale : 'en';
    const t = translator(locale);
    const brand = journeyTemplates.includes(template) ? makerOf(payload) : undefined;
    const token = randomToken(32);
    const ttlSeconds =
      template === 'reset_password' ? deps.passwordResetLinkTtlSeconds : deps.passwordLinkTtlSeconds;
    const expiresAt = Date.now() + ttlSeconds * 1000;
    await deps.accounts.createPasswordLink(account.id, hashSecret(token), expiresAt);
    const link = `${deps.issuer}/account/password?token=${token}&lang=${locale}`;
    const expires =
      new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(
        expiresAt,
      ) + ' UTC';
    const values = {
      app: payload.appName,
      vin: payload.vin,
      brand,
      fleet: payload.fleetName,
      platform: `${deps.issuer}/platform`,
      link,
      expires,
    };
    await deps.mailer.send({
      to: account.email,
      subject: t(`mail:${template}.subject`, values),
      text: t(`mail:${template}.body`, values),
    });
  }
}

/**
 * The maker's name as it writes it ("Mercedes-Benz"). The job names the brand; a job queued without one
 * falls back to the VIN's manufacturer identifier, which the journey checked against the brand.
 */
function makerOf(payload: Record<string, unknown>): string {
  const brand = findBrand(String(payload.brand ?? '')) ?? brandOfWmi(String(payload.vin ?? '').slice(0, 3));
  if (!brand) throw new PermanentJobFailure('the mail names the maker, and the vehicle has no known brand');
  return brand.name;
}
