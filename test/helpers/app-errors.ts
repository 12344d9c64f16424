import { expect } from 'vitest';
import { AppError } from '../../shared/errors';

/** The AppError a call throws; fails the test when it returns or throws anything else. */
export function appErrorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError, but the call returned');
}

/** The AppError a promise rejects with; fails the test when it resolves or rejects with anything else. */
export async function appErrorFrom(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}
