/*
 * How a reconciliation run ended, in the few words health and the dashboard need: it worked, some
 * PLS failed (with their codes), the policy did not load, or no ARM token could be had. Kept per
 * trigger (the timer, the queue) so a person sees the last run of each without reading the logs.
 * Pure: built from a run's summary or the error it threw.
 */
import type { ErrorCode } from '../../errors';

export type ReconcileSource = 'timer' | 'queue';

export type ReconcileResult =
  | 'ok'
  | 'pls_failed'
  | 'policy_invalid'
  | 'arm_credential_unavailable'
  | 'failed';

/** How many failed PLS a record keeps by name; the count says how many there were. */
export const FIRST_FAILURES = 5;

export interface ReconcileOutcome {
  readonly source: ReconcileSource;
  readonly result: ReconcileResult;
  /** The error code of the run's failure (the first failed PLS's when several failed); null when ok. */
  readonly code: string | null;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  /** The invocation whose log lines hold the rest. */
  readonly correlationId: string;
  readonly privateLinkServices: number;
  readonly connections: number;
  readonly failed: number;
  readonly unfinished: number;
  /** The first failed PLS with their codes. */
  readonly failures: readonly { readonly plsId: string; readonly code: string }[];
}

export interface RunCounts {
  readonly privateLinkServices: number;
  readonly connections: number;
  readonly unfinished: number;
  readonly failedPrivateLinkServices: readonly { readonly plsId: string; readonly code: string }[];
}

interface RunTiming {
  readonly source: ReconcileSource;
  readonly correlationId: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
}

/** A run that returned a summary: ok unless a PLS failed; a missing token is named as such, being the person's to fix. */
export function outcomeOfRun(timing: RunTiming, counts: RunCounts): ReconcileOutcome {
  const failures = counts.failedPrivateLinkServices;
  const credential = failures.find((f) => f.code === 'arm_credential_unavailable');
  return {
    ...timing,
    result:
      failures.length === 0 ? 'ok' : credential !== undefined ? 'arm_credential_unavailable' : 'pls_failed',
    code: credential?.code ?? failures[0]?.code ?? null,
    privateLinkServices: counts.privateLinkServices,
    connections: counts.connections,
    failed: failures.length,
    unfinished: counts.unfinished,
    failures: failures.slice(0, FIRST_FAILURES),
  };
}

/**
 * A run that threw before it had a summary (the policy did not load, the queue item's PLS failed):
 * every PLS it was working on counts as failed; `plsIds` names them (empty when the failure was not theirs).
 */
export function outcomeOfFailure(
  timing: RunTiming,
  code: ErrorCode,
  privateLinkServices: number,
  plsIds: readonly string[],
): ReconcileOutcome {
  return {
    ...timing,
    result:
      code === 'policy_invalid'
        ? 'policy_invalid'
        : code === 'arm_credential_unavailable'
          ? 'arm_credential_unavailable'
          : 'failed',
    code,
    privateLinkServices,
    connections: 0,
    failed: privateLinkServices,
    unfinished: 0,
    failures: plsIds.slice(0, FIRST_FAILURES).map((plsId) => ({ plsId, code })),
  };
}
