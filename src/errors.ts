/**
 * Every error repogate reports on purpose: a stable `code` to match on, the HTTP status it maps to,
 * and the CLI exit code. Messages are one line a person can act on and never contain a secret.
 */
export const errorCodes = {
  CONFIG_INVALID: { status: 500, exit: 2 },
  USAGE: { status: 400, exit: 2 },
  VALIDATION: { status: 400, exit: 2 },
  NOT_FOUND: { status: 404, exit: 1 },
  ALREADY_EXISTS: { status: 409, exit: 1 },
  CONFLICT: { status: 409, exit: 1 },
  NOT_CONFIRMED: { status: 409, exit: 1 },
  AUTH_REQUIRED: { status: 401, exit: 1 },
  AUTH_INVALID: { status: 401, exit: 1 },
  KEY_DISABLED: { status: 401, exit: 1 },
  KEY_EXPIRED: { status: 401, exit: 1 },
  ADDRESS_NOT_ALLOWED: { status: 403, exit: 1 },
  ACCOUNT_SUSPENDED: { status: 403, exit: 1 },
  NO_ACTIVE_GRANT: { status: 403, exit: 1 },
  NOT_ENTITLED: { status: 403, exit: 1 },
  FORBIDDEN: { status: 403, exit: 1 },
  CSRF_INVALID: { status: 403, exit: 1 },
  RATE_LIMITED: { status: 429, exit: 1 },
  ARCHIVE_DRIFT: { status: 409, exit: 1 },
  RANGE_NOT_SATISFIABLE: { status: 416, exit: 1 },
  BAD_REQUEST: { status: 400, exit: 1 },
  PAYLOAD_TOO_LARGE: { status: 413, exit: 1 },
  UPSTREAM_UNAVAILABLE: { status: 502, exit: 1 },
  UPSTREAM_AUTH: { status: 502, exit: 1 },
  UPSTREAM_NOT_ENTITLED: { status: 404, exit: 1 },
  UPSTREAM_TIMEOUT: { status: 504, exit: 1 },
  UPSTREAM_INVALID: { status: 502, exit: 1 },
  REGISTRY_UNAVAILABLE: { status: 503, exit: 1 },
  INTERNAL: { status: 500, exit: 1 },
} as const satisfies Record<string, { status: number; exit: number }>;

export type ErrorCode = keyof typeof errorCodes;

/** An error with a stable code; `status` and `exitCode` follow from the code. */
export class RepogateError extends Error {
  override readonly name = 'RepogateError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options?.status ?? errorCodes[code].status;
    this.exitCode = errorCodes[code].exit;
  }
}

export function isRepogateError(error: unknown): error is RepogateError {
  return error instanceof RepogateError;
}

export const notFound = (message: string): RepogateError => new RepogateError('NOT_FOUND', message);
export const invalid = (message: string): RepogateError => new RepogateError('VALIDATION', message);
