/*
 * Turns whatever the SDK threw into our vocabulary, keeping ARM's own `error.code` in `upstreamCode`.
 * 4xx messages are ARM's (they describe the resource, never credentials); 5xx and network failures get
 * our own wording, since their text can carry proxy or socket internals.
 */
import { AppError } from '../errors';
import { retryAfterMs } from './arm-retry-policy';

// ARM answers a refused state change with 400 and a code naming the state; these mean "conflict", not "bad input".
const STATE_CONFLICT_CODE = /state|status|transition|rejected|pending|inprogress|conflict/i;
const MAX_MESSAGE = 300;
/**
 * NRP's answer to a PUT on a connection that no longer exists (Azure/azure-sdk-for-go#9484): the
 * provider cannot create connections, so the 400 means "gone", the same outcome as a 404.
 */
const VANISHED_CONNECTION_CODE = 'PrivateEndpointConnectionCannotBeCreatedByServiceProvider';
const DEFAULT_THROTTLE_SECONDS = 30;

interface RestErrorLike {
  readonly name?: string;
  readonly statusCode?: number;
  readonly code?: string;
  readonly response?: {
    readonly status: number;
    readonly bodyAsText?: string | null;
    readonly headers: { get(name: string): string | undefined };
  };
}

export const NO_CREDENTIAL_MESSAGE = 'no Azure credential: run `az login` or set `AZURE_CLIENT_ID`';

export function toArmError(error: unknown, what: string): AppError {
  if (error instanceof AppError) return error;
  if (isCredentialUnavailable(error)) {
    // Not "ARM could not be reached": nothing was sent, as there was no token to send.
    return new AppError('arm_credential_unavailable', NO_CREDENTIAL_MESSAGE, { cause: error });
  }
  const e = (error ?? {}) as RestErrorLike;
  const status = e.statusCode ?? e.response?.status;
  const body = armErrorBody(e.response?.bodyAsText);
  const upstreamCode = body.code ?? (status === undefined ? e.code : undefined);
  const options = { upstreamCode, cause: error };

  if (status === undefined) {
    return new AppError('arm_unavailable', `ARM could not be reached (${what}).`, options);
  }
  if (status === 429) {
    const waitMs = e.response === undefined ? undefined : retryAfterMs(e.response as never);
    return new AppError('arm_throttled', `ARM is throttling requests (${what}); retry later.`, {
      ...options,
      retryAfterSeconds:
        waitMs === undefined ? DEFAULT_THROTTLE_SECONDS : Math.max(1, Math.ceil(waitMs / 1000)),
    });
  }
  if (status >= 500) {
    return new AppError('arm_unavailable', `ARM answered ${status} (${what}).`, options);
  }
  const armMessage = body.message === undefined ? '' : `: ${truncate(body.message)}`;
  if (status === 404 || (status === 400 && body.code === VANISHED_CONNECTION_CODE))
    return new AppError('arm_not_found', `Not found in ARM (${what})${armMessage}`, options);
  if (status === 409 || status === 412 || (status === 400 && STATE_CONFLICT_CODE.test(body.code ?? ''))) {
    return new AppError('arm_conflict', `ARM refused the change (${what})${armMessage}`, options);
  }
  return new AppError('arm_error', `ARM answered ${status} (${what})${armMessage}`, options);
}

/**
 * @azure/identity's "no credential here" (CredentialUnavailableError), alone or as the only kind of
 * failure inside DefaultAzureCredential's AggregateAuthenticationError. Matched by name, so the
 * identity library need not be loaded to recognise it.
 */
export function isCredentialUnavailable(error: unknown): boolean {
  const e = error as { name?: unknown; errors?: unknown } | null | undefined;
  if (e?.name === 'CredentialUnavailableError') return true;
  return (
    e?.name === 'AggregateAuthenticationError' &&
    Array.isArray(e.errors) &&
    e.errors.length > 0 &&
    e.errors.every((inner) => (inner as { name?: unknown } | null)?.name === 'CredentialUnavailableError')
  );
}

/** ARM's `{"error":{"code","message"}}` (or a bare `{"code","message"}`), tolerating anything else. */
export function armErrorBody(text: string | null | undefined): { code?: string; message?: string } {
  if (text === undefined || text === null || text === '') return {};
  try {
    const parsed = JSON.parse(text) as {
      error?: { code?: unknown; message?: unknown };
      code?: unknown;
      message?: unknown;
    };
    const source = parsed.error ?? parsed;
    return {
      ...(typeof source.code === 'string' ? { code: source.code } : {}),
      ...(typeof source.message === 'string' ? { message: source.message } : {}),
    };
  } catch {
    return {};
  }
}

function truncate(message: string): string {
  const oneLine = message.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_MESSAGE ? `${oneLine.slice(0, MAX_MESSAGE - 1)}…` : oneLine;
}
