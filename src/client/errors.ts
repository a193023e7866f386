// The client's typed errors: each carries a stable `code` to branch on (the message is for logs).

/** The owner or Keyturn ended the authorization without tokens (RFC 6749 §4.1.2.1, §5.2). */
export class AuthorizationError extends Error {
  override readonly name = 'AuthorizationError';
  constructor(
    /** The OAuth error code, e.g. `access_denied`, `invalid_grant`, `invalid_request`. */
    readonly code: string,
    readonly description: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(description ? `${code}: ${description}` : code, options);
  }
}

/** A Keyturn API answered an error (its JSON `error`, `error_description` and `problems`). */
export class KeyturnApiError extends Error {
  override readonly name = 'KeyturnApiError';
  constructor(
    readonly status: number,
    /** The stable error code, e.g. `invalid_token`, `unknown_clearance`, `invalid_input`. */
    readonly code: string,
    readonly description: string,
    readonly problems: { pointer: string; code: string; message: string }[] = [],
    /** Seconds to wait before trying again (from `Retry-After`), when Keyturn said so. */
    readonly retryAfterSeconds?: number,
  ) {
    super(`${status} ${code}: ${description}`);
  }
}

export type WebhookVerificationFailure =
  | 'missing_headers'
  | 'invalid_secret'
  | 'timestamp_out_of_tolerance'
  | 'invalid_signature'
  | 'invalid_body'
  | 'unknown_type';

/** A webhook that must not be trusted: answer it with 4xx and drop it. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  constructor(
    readonly code: WebhookVerificationFailure,
    message: string,
  ) {
    super(message);
  }
}
