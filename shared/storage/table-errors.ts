/*
 * How every store tells Table Storage failures apart and reports them: the SDK's RestError carries
 * the HTTP status, and its message (which may name the account or hold a SAS URL) never leaves
 * except as the cause of our own `storage_unavailable`.
 */
import { AppError } from '../errors';

/** HTTP status of a Table Storage failure (RestError), or undefined for anything else. */
export function storageStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

export const isNotFound = (error: unknown) => storageStatus(error) === 404;

/** 409 (entity exists) or 412 (ETag mismatch): someone else wrote first; re-read and try again. */
export const isWriteConflict = (error: unknown) => {
  const status = storageStatus(error);
  return status === 409 || status === 412;
};

/** A storage failure in our vocabulary; an AppError raised below passes through unchanged. */
export function storageError(what: string, cause: unknown): AppError {
  if (cause instanceof AppError) return cause;
  return new AppError('storage_unavailable', `Table Storage failed while ${what}.`, { cause });
}

/** Reads one entity, or undefined when it does not exist. */
export async function getOrUndefined<T extends object>(
  read: () => Promise<T>,
  what: string,
): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw storageError(what, error);
  }
}
