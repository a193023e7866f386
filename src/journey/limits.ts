// The journey's limits on everything that sends mail or asks a maker: one-time code mails per email address
// and per client address; consents (each mails the owner and asks the maker, who mails the vehicle's
// primary user) per client address, per account, per VIN and per app.
import type { Knex } from 'knex';
import type { Config } from '../config/index.ts';
import { rateLimit, takeAll } from '../security/rate-limits.ts';

export interface JourneyLimits {
  /** Seconds to wait before another code may be mailed, or undefined (one use counted). */
  codeMail(address: string, email: string): Promise<number | undefined>;
  /** Seconds to wait before another consent may be given, or undefined (one use counted). */
  consent(input: {
    address: string;
    accountId: string;
    vin: string;
    clientId: string;
  }): Promise<number | undefined>;
}

export function journeyLimits(limits: Config['limits'], shared?: Knex): JourneyLimits {
  const per = (name: string, points: number) =>
    rateLimit(name, { points, windowSeconds: limits.windowSeconds }, shared);
  const codeMailsPerEmail = per('code-mail-email', limits.codeMailsPerEmail);
  const codeMailsPerAddress = per('code-mail-address', limits.codeMailsPerAddress);
  const consentsPerAddress = per('consent-address', limits.consentsPerAddress);
  const consentsPerAccount = per('consent-account', limits.consentsPerAccount);
  const consentsPerVin = per('consent-vin', limits.consentsPerVin);
  const consentsPerApp = per('consent-app', limits.consentsPerApp);
  return {
    codeMail: (address, email) =>
      takeAll([
        [codeMailsPerAddress, address],
        [codeMailsPerEmail, email.trim().toLowerCase()],
      ]),
    consent: (input) =>
      takeAll([
        [consentsPerAddress, input.address],
        [consentsPerAccount, input.accountId],
        [consentsPerVin, input.vin],
        [consentsPerApp, input.clientId],
      ]),
  };
}
