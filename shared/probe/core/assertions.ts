import { PROBE_CODES } from './classify-failure';
import type { ProbeAssertions, ProbeFailure } from './types';

export interface ObservedResponse {
  readonly statusCode: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  /** The body as text, or null when it was not kept (HEAD, or no body assertions). */
  readonly body: string | null;
}

function statusAccepted(status: number, assertions: ProbeAssertions): boolean {
  return assertions.status.some((range) => status >= range.from && status <= range.to);
}

function describeRanges(assertions: ProbeAssertions): string {
  return assertions.status.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)).join(', ');
}

function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/**
 * Judges a complete response: the status first (HTTP_STATUS), then each header and body assertion
 * (ASSERTION, naming the one that failed). Returns the first failure, or null when all pass.
 */
export function checkAssertions(
  response: ObservedResponse,
  assertions: ProbeAssertions,
): ProbeFailure | null {
  if (!statusAccepted(response.statusCode, assertions)) {
    return {
      class: 'HTTP_STATUS',
      phase: 'assertions',
      code: `HTTP_${response.statusCode}`,
      message: `status ${response.statusCode} is not accepted (expected ${describeRanges(assertions)})`,
    };
  }
  for (const [name, pattern] of Object.entries(assertions.headers)) {
    const value = response.headers[name];
    if (value === undefined) return assertionFailure(`header ${name} is missing (expected ${pattern})`);
    if (!pattern.test(value)) {
      return assertionFailure(
        `header ${name} is ${JSON.stringify(clip(value))}, which does not match ${pattern}`,
      );
    }
  }
  const body = response.body ?? '';
  for (const needle of assertions.bodyContains) {
    if (!body.includes(needle))
      return assertionFailure(`body does not contain ${JSON.stringify(clip(needle))}`);
  }
  for (const pattern of assertions.bodyRegex) {
    if (!pattern.test(body)) return assertionFailure(`body does not match ${pattern}`);
  }
  return null;
}

function assertionFailure(message: string): ProbeFailure {
  return { class: 'ASSERTION', phase: 'assertions', code: PROBE_CODES.assertion, message };
}

/** Whether the body must be kept in memory to be judged (otherwise it is only counted and hashed). */
export function needsBody(assertions: ProbeAssertions): boolean {
  return assertions.bodyContains.length > 0 || assertions.bodyRegex.length > 0;
}
