// Typed errors with a stable code, an HTTP status and a localized message key. Thrown anywhere; rendered
// in exactly one place (src/web/error-handler.ts). Only errors marked `expose` show their own message.

export interface ErrorOptions {
  /** i18next key of the user-facing message; defaults to `errors:<code>`. */
  messageKey?: string;
  messageValues?: Record<string, unknown>;
  /** Field-level problems for forms and JSON clients: field → i18n key. */
  fields?: Record<string, string>;
  /** Seconds after which the caller may retry (sent as Retry-After). */
  retryAfterSeconds?: number;
  /** Every problem with a JSON body at once: where (a JSON pointer), a stable code, an i18n key. */
  problems?: Problem[];
  /** The `WWW-Authenticate` challenge of a 401 (RFC 9110 §11.6.1); `Bearer` on `/v1/*` when not given. */
  challenge?: string;
  cause?: unknown;
}

export interface Problem {
  /** RFC 6901 JSON pointer into the request body, e.g. `/vehicles/3/odometer`. */
  pointer: string;
  code: string;
  messageKey: string;
  messageValues?: Record<string, unknown>;
}

export class KeyturnError extends Error {
  readonly messageKey: string;
  readonly messageValues: Record<string, unknown>;
  readonly fields: Record<string, string>;
  readonly expose: boolean;
  readonly retryAfterSeconds: number | undefined;
  readonly problems: Problem[];
  readonly challenge: string | undefined;

  constructor(
    readonly status: number,
    readonly code: string,
    options: ErrorOptions = {},
  ) {
    super(code, { cause: options.cause });
    this.name = new.target.name;
    this.messageKey = options.messageKey ?? `errors:${code}`;
    this.messageValues = options.messageValues ?? {};
    this.fields = options.fields ?? {};
    this.expose = status < 500;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.problems = options.problems ?? [];
    this.challenge = options.challenge;
  }
}

export class InvalidInput extends KeyturnError {
  constructor(options: ErrorOptions = {}) {
    super(400, 'invalid_input', options);
  }
}

export class Unauthorized extends KeyturnError {
  constructor(code = 'unauthorized', options: ErrorOptions = {}) {
    super(401, code, options);
  }
}

/** The request is well formed but the resource's state does not allow it. */
export class Conflict extends KeyturnError {
  constructor(code = 'conflict', options: ErrorOptions = {}) {
    super(409, code, options);
  }
}

export class NotFound extends KeyturnError {
  constructor(code = 'not_found', options: ErrorOptions = {}) {
    super(404, code, options);
  }
}

/** The journey link is unknown, expired or already used. */
export class InteractionExpired extends KeyturnError {
  constructor(readonly returnTo?: string) {
    super(410, 'interaction_expired');
  }
}

export class CsrfRejected extends KeyturnError {
  constructor() {
    super(403, 'csrf_rejected');
  }
}

/** Too much work queued; the caller should retry after a moment (503 with Retry-After). */
export class ServiceBusy extends KeyturnError {
  constructor() {
    super(503, 'busy', { retryAfterSeconds: 1 });
  }
}

/** The database cannot be reached right now; the request may be sent again in a moment. */
export class DatabaseUnavailable extends KeyturnError {
  constructor(cause: unknown) {
    super(503, 'database_unavailable', { retryAfterSeconds: 1, cause });
  }
}
