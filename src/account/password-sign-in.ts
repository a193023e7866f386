// An owner signing in with email and password, in the journey (returning owners) and on the dashboard:
// the form's values checked, the attempt throttled, the password verified in constant time, and a hash made
// at an older cost upgraded while the password is at hand (OWASP Password Storage Cheat Sheet).
import { maximumPasswordLength, type PasswordHashing } from '../security/passwords.ts';
import type { SignInThrottle } from '../security/sign-in-throttle.ts';
import type { AccountsRepository } from '../storage/accounts.ts';

export type SignInOutcome =
  | { outcome: 'signed_in'; accountId: string }
  | { outcome: 'refused' }
  | { outcome: 'throttled'; retryAfterSeconds: number };

export interface PasswordSignInDependencies {
  accounts: AccountsRepository;
  signInThrottle: SignInThrottle;
  passwords: PasswordHashing;
}

export async function signInWithPassword(
  deps: PasswordSignInDependencies,
  /** `email` as the form gave it, trimmed; `password` untouched (spaces count). */
  input: { email: string; password: unknown; address: string },
): Promise<SignInOutcome> {
  const { email, password } = input;
  if (
    !email ||
    typeof password !== 'string' ||
    password.length === 0 ||
    password.length > maximumPasswordLength
  )
    return { outcome: 'refused' };
  const wait = await deps.signInThrottle.admit(input.address, email);
  if (wait !== undefined) return { outcome: 'throttled', retryAfterSeconds: wait };
  const found = await deps.accounts.passwordHashOf(email);
  const stored = found?.passwordHash ?? null;
  const valid = await deps.passwords.verify(password, stored);
  if (!found || stored === null || !valid) {
    await deps.signInThrottle.failed(email);
    return { outcome: 'refused' };
  }
  await deps.signInThrottle.succeeded(email);
  if (deps.passwords.needsRehash(stored))
    await deps.accounts.replacePasswordHash(found.id, stored, await deps.passwords.hash(password));
  return { outcome: 'signed_in', accountId: found.id };
}
