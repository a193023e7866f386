// The one-time code that proves control of an email address typed in the journey: six random digits,
// mailed to the address, stored only as a hash bound to this journey, valid for a few minutes and for a
// few tries (each counted before it is checked), and used once.
import { randomInt } from 'node:crypto';
import { constantTimeEqual, hashSecret } from '../security/secrets.ts';

export const codeLength = 6;

export function newEmailCode(): string {
  return String(randomInt(0, 10 ** codeLength)).padStart(codeLength, '0');
}

/** The code's stored form: bound to the journey, so a code mailed for one journey proves nothing in another. */
export function emailCodeHash(journeyUid: string, code: string): string {
  return hashSecret(`${journeyUid}.${code}`);
}

/** The digits as typed, spaces and dashes allowed between them; undefined for anything else. */
export function typedCode(value: string | undefined): string | undefined {
  const digits = value?.replace(/[\s-]/g, '');
  return digits && new RegExp(`^\\d{${codeLength}}$`).test(digits) ? digits : undefined;
}

export function codeMatches(journeyUid: string, typed: string, storedHash: string): boolean {
  return constantTimeEqual(emailCodeHash(journeyUid, typed), storedHash);
}
