// How an owner proves who they are, as RFC 8176 `amr` values: `pwd` (their password) or `otp` (the
// one-time code mailed to their address). A login session without one of them proves nothing.
export const authMethods = ['pwd', 'otp'] as const;
export type AuthMethod = (typeof authMethods)[number];

/** The proof a session's `amr` records (a password first), or undefined when it records none. */
export function provenBy(amr: unknown): AuthMethod | undefined {
  if (!Array.isArray(amr)) return undefined;
  return authMethods.find((method) => amr.includes(method));
}
