import { AppError } from '../errors';

export function statusCodeOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** A storage failure in our vocabulary; the SDK's message (which may name the account) is kept as the cause only. */
export function storageError(what: string, cause: unknown): AppError {
  if (cause instanceof AppError) return cause;
  return new AppError('storage_unavailable', `${what} failed: Table Storage did not accept the write.`, {
    cause,
  });
}
