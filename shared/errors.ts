/**
 * The product's one error vocabulary. Every failure that crosses a module boundary is an AppError
 * with a stable code; the HTTP status for each code is chosen here and nowhere else, so a trigger
 * adapter never invents its own mapping.
 */
export const ERROR_CODES = {
  config_invalid: 500,
  validation_failed: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  unauthenticated: 401,
  forbidden: 403,
  /** A write arrived under a Host name the app is not configured for (DNS rebinding, a stray proxy). */
  host_not_allowed: 403,
  not_found: 404,
  conflict: 409,
  /** The caller decided on a version of the resource (If-Match / expectedStatus) that is no longer current. */
  state_changed: 409,
  precondition_failed: 412,
  /** Work this instance runs one at a time (a policy dry run's draft) has a full waiting line: try again shortly. */
  too_many_requests: 429,
  policy_invalid: 500,
  arm_throttled: 503,
  arm_unavailable: 503,
  /** No Azure credential could give a token for ARM (no login, no managed identity). */
  arm_credential_unavailable: 503,
  arm_error: 502,
  arm_not_found: 404,
  arm_conflict: 409,
  storage_unavailable: 503,
  dependency_unavailable: 503,
  /** A function's implementation (its chunk in the deployed package) cannot be loaded: the package is incomplete or broken. */
  implementation_unavailable: 500,
  internal: 500,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One problem with one field of some input: where it is, and what was expected there. */
export interface FieldIssue {
  /** Dotted/bracketed path in the input, e.g. `rules[2].match.requestMessage` or `PLS_RESOURCE_IDS`. */
  readonly path: string;
  readonly message: string;
}

export interface AppErrorOptions {
  readonly issues?: readonly FieldIssue[] | undefined;
  /** Seconds the caller should wait before trying again (throttling). */
  readonly retryAfterSeconds?: number | undefined;
  /** The upstream service's own error code (ARM's `error.code`), kept for audit and diagnosis. */
  readonly upstreamCode?: string | undefined;
  readonly cause?: unknown | undefined;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly issues: readonly FieldIssue[];
  readonly retryAfterSeconds: number | undefined;
  readonly upstreamCode: string | undefined;

  constructor(code: ErrorCode, detail: string, options: AppErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.issues = options.issues ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.upstreamCode = options.upstreamCode;
  }

  get status(): number {
    return ERROR_CODES[this.code];
  }

  /** Whether retrying the same operation later may succeed. */
  get transient(): boolean {
    return (
      this.code === 'arm_throttled' ||
      this.code === 'arm_unavailable' ||
      this.code === 'storage_unavailable' ||
      this.code === 'dependency_unavailable'
    );
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/** Wraps anything thrown into an AppError without leaking the original message (it may hold SDK internals). */
export function toAppError(value: unknown): AppError {
  if (value instanceof AppError) return value;
  return new AppError('internal', 'An unexpected error occurred.', { cause: value });
}

/** Renders issues as one line each, for logs and for the message of a thrown config error. */
export function formatIssues(issues: readonly FieldIssue[]): string {
  return issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n');
}
