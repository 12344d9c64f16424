import type { FieldIssue } from '../errors';

/**
 * A problem as people are shown it: what is wrong, the first few issues, and how many there are in
 * all. The full list stays in the reader-detail health report and in the logs. Pure: no I/O.
 */
export interface ProblemSummary {
  /** One sentence: what is broken and what it means for the product. */
  readonly message: string;
  /** The first issues only, each with its path. */
  readonly issues: readonly FieldIssue[];
  /** All issues, including those left out of `issues`. */
  readonly issueCount: number;
}

export const FIRST_ISSUES = 5;

export function summariseProblem(message: string, issues: readonly FieldIssue[]): ProblemSummary {
  return { message, issues: issues.slice(0, FIRST_ISSUES), issueCount: issues.length };
}
