/*
 * The entitlement check's vocabulary (pure): what the product sends to the provider's own system
 * about a connection, the answer it accepts back, and the fact the policy evaluation sees. The
 * answer is outside input from a system the product does not control, so it is parsed by a strict
 * schema with bounds; its text (customer, description) ends up in ARM, the audit, the dashboard and
 * notifications, so it is made inert here: control and bidirectional-override characters are
 * refused, nothing in it is ever rendered as a template, and it is never truncated (a cut
 * description is a wrong one: an over-long answer is malformed and left for a person).
 */
import { z } from 'zod';

/** ARM's limit on a connection's description (and on the consumer's request message). */
export const MAX_ENTITLEMENT_DESCRIPTION = 140;
/** Long enough for any company name, short enough for a table cell and an Adaptive Card fact. */
export const MAX_CUSTOMER_LENGTH = 100;
/** An approval end further away than this is a mistake in the provider's system, not a contract. */
const MAX_APPROVAL_YEARS = 10;
/** The request message is at most 140 characters in ARM; anything longer was not written by ARM. */
export const MAX_SENT_REQUEST_MESSAGE = 140;

/** The protocol version, in the body and in the signature header's scheme (`v1=`). */
export const ENTITLEMENT_PROTOCOL_VERSION = 1;

/** What the product sends: the connection's facts, nothing the provider's system could not see in Azure. */
export interface EntitlementRequestBody {
  readonly version: typeof ENTITLEMENT_PROTOCOL_VERSION;
  /** The connection's ARM id: the key a provider's system can log and deduplicate on. */
  readonly connectionId: string;
  readonly connectionName: string;
  readonly privateLinkService: { readonly id: string; readonly name: string };
  readonly consumer: {
    /** Undefined (null on the wire) when tenant discovery did not tell. */
    readonly tenantId: string | null;
    readonly subscriptionId: string | null;
  };
  readonly privateEndpoint: {
    readonly id: string | null;
    readonly name: string | null;
    readonly resourceGroup: string | null;
    readonly location: string | null;
  };
  /** The consumer's request message, at most 140 characters (what ARM allows). */
  readonly requestMessage: string;
}

/** The facts the request is built from (a subset of the policy's ConnectionFacts plus the ids). */
export interface EntitlementSubject {
  readonly connectionId: string;
  readonly connectionName: string;
  readonly plsId: string;
  readonly plsName: string;
  readonly consumerTenantId: string | undefined;
  readonly consumerSubscriptionId: string | undefined;
  readonly privateEndpointId: string | undefined;
  readonly privateEndpointName: string | undefined;
  readonly privateEndpointResourceGroup: string | undefined;
  readonly privateEndpointLocation: string | undefined;
  readonly requestMessage: string | undefined;
}

export function entitlementRequestBody(subject: EntitlementSubject): EntitlementRequestBody {
  return {
    version: ENTITLEMENT_PROTOCOL_VERSION,
    connectionId: subject.connectionId,
    connectionName: subject.connectionName,
    privateLinkService: { id: subject.plsId, name: subject.plsName },
    consumer: {
      tenantId: subject.consumerTenantId ?? null,
      subscriptionId: subject.consumerSubscriptionId ?? null,
    },
    privateEndpoint: {
      id: subject.privateEndpointId ?? null,
      name: subject.privateEndpointName ?? null,
      resourceGroup: subject.privateEndpointResourceGroup ?? null,
      location: subject.privateEndpointLocation ?? null,
    },
    requestMessage: (subject.requestMessage ?? '').slice(0, MAX_SENT_REQUEST_MESSAGE),
  };
}

/**
 * C0 and C1 controls (newlines included: a description is one line), and the bidirectional
 * overrides and isolates that make a text read differently from what it says ("Trojan Source").
 */
function hasUnsafeCharacter(text: string): boolean {
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
    if (code === 0x061c || code === 0x200e || code === 0x200f) return true;
    if ((code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069)) return true;
  }
  return false;
}

const inertText = (max: number, what: string) =>
  z
    .string({ error: `expected ${what} as a string` })
    .trim()
    .min(1, `expected a non-empty ${what}`)
    .max(max, `expected ${what} of at most ${max} characters`)
    .refine((text) => !hasUnsafeCharacter(text), `expected ${what} without control characters`);

/** The answer the provider's system sends back. Strict: an unknown key is a malformed answer. */
export function entitlementAnswerSchema(now: Date) {
  const latest = new Date(now.getTime());
  latest.setUTCFullYear(latest.getUTCFullYear() + MAX_APPROVAL_YEARS);
  return z
    .strictObject({
      decision: z.enum(['approve', 'reject', 'manual'], {
        error: 'expected decision approve, reject or manual',
      }),
      customer: inertText(MAX_CUSTOMER_LENGTH, 'customer').optional(),
      description: inertText(MAX_ENTITLEMENT_DESCRIPTION, 'description').optional(),
      approvalEndsAt: z.iso
        .datetime({ offset: true, error: 'expected approvalEndsAt as an ISO 8601 date and time' })
        .optional(),
    })
    .superRefine((answer, ctx) => {
      // An approval binds the connection to a customer: that is the point of asking.
      if (answer.decision === 'approve' && answer.customer === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['customer'],
          message: 'an approve answer must name the customer',
        });
      if (answer.approvalEndsAt !== undefined) {
        if (answer.decision !== 'approve')
          ctx.addIssue({
            code: 'custom',
            path: ['approvalEndsAt'],
            message: 'approvalEndsAt is allowed on approve answers only',
          });
        const ends = Date.parse(answer.approvalEndsAt);
        if (ends <= now.getTime())
          ctx.addIssue({
            code: 'custom',
            path: ['approvalEndsAt'],
            message: 'expected a time in the future',
          });
        else if (ends > latest.getTime())
          ctx.addIssue({
            code: 'custom',
            path: ['approvalEndsAt'],
            message: `expected a time within ${MAX_APPROVAL_YEARS} years`,
          });
      }
    });
}

/** Why the check gave no usable answer: each leaves the connection for a person. */
export type EntitlementFailure =
  /** No ENTITLEMENT_URL: a policy asks, but nobody to ask was configured. */
  | 'not_configured'
  /** The feature's settings are invalid (health names them). */
  | 'settings_invalid'
  | 'timeout'
  | 'unreachable'
  /** An HTTP status other than 200 (after the retries, for a retryable one). */
  | 'http_status'
  | 'too_large'
  | 'malformed'
  /** The run's time for entitlement checks was used up before this connection was answered. */
  | 'run_budget_exhausted';

/** What the evaluation sees about one connection: the system's answer, or why there is none. */
export type EntitlementFact =
  | {
      readonly outcome: 'answered';
      readonly decision: 'approve' | 'reject' | 'manual';
      readonly customer: string | undefined;
      readonly description: string | undefined;
      /** ISO 8601 (normalised to UTC); approve answers only. */
      readonly approvalEndsAt: string | undefined;
    }
  | {
      readonly outcome: 'failed';
      readonly failure: EntitlementFailure;
      /** One line for the audit: what went wrong, never the secret or the raw answer. */
      readonly detail: string;
    };

/** Parses a response body already known to be JSON text within the size cap. Never throws. */
export function parseEntitlementAnswer(text: string, now: Date): EntitlementFact {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { outcome: 'failed', failure: 'malformed', detail: 'the answer is not JSON' };
  }
  const parsed = entitlementAnswerSchema(now).safeParse(json);
  if (!parsed.success) {
    // Paths and messages only: the answer's values are not echoed into the audit.
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.length === 0 ? 'answer' : issue.path.join('.')}: ${issue.message}`);
    return { outcome: 'failed', failure: 'malformed', detail: `malformed answer (${issues.join('; ')})` };
  }
  const answer = parsed.data;
  return {
    outcome: 'answered',
    decision: answer.decision,
    customer: answer.customer,
    description: answer.description,
    approvalEndsAt:
      answer.approvalEndsAt === undefined ? undefined : new Date(answer.approvalEndsAt).toISOString(),
  };
}
