/*
 * Every schema of the HTTP API, in one module: the route handlers parse input with them and the
 * OpenAPI document is generated from them (`z.toJSONSchema`), so the documented contract and the
 * enforced one cannot drift apart. Loaded on first call of an API route, never at cold start.
 */
import { z } from 'zod';
import { AUDIT_ACTIONS } from '../../approval/core/audit-entry';
import { privateEndpointIdSchema } from '../../arm/resource-id-schema';
import { MAX_BODY_BYTES } from '../../http/body-limits';
import { connectionNameSchema, plsReferenceSchema } from './arm-names';

export const MAX_REASON_LENGTH = 140;
export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 50;
/** The longest time range one `GET /decisions` may ask for. */
export const MAX_RANGE_DAYS = 366;
export const DEFAULT_RANGE_DAYS = 30;

export const CONNECTION_STATUSES = ['Pending', 'Approved', 'Rejected', 'Disconnected'] as const;

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const NO_CONTROL_CHARACTERS = /^\P{Cc}*$/u;

// ---- input: route parameters, query strings, bodies -------------------------------------------

export const connectionParamsSchema = z
  .object({
    pls: plsReferenceSchema.meta({
      description:
        'The Private Link Service: its name as configured in PLS_RESOURCE_IDS or found by PLS_DISCOVERY_SCOPE, or (when two managed services share a name) its full resource id, URL-encoded.',
    }),
    connection: connectionNameSchema.meta({
      description: 'The private endpoint connection name ({endpoint}.{guid}).',
    }),
  })
  .strict();

const pageSize = z
  .string()
  .regex(/^\d{1,4}$/, 'expected a whole number')
  .transform(Number)
  .pipe(
    z.number().int().min(1, 'expected at least 1').max(MAX_PAGE_SIZE, `expected at most ${MAX_PAGE_SIZE}`),
  )
  .meta({ description: `Items per page, 1-${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).` });

const continuationToken = z
  .string()
  .min(1, 'expected a token')
  .max(2048, 'expected at most 2048 characters')
  .meta({ description: 'The `continuationToken` of the previous page, with the same filters.' });

const STATUS_LIST = new RegExp(
  `^(?:${CONNECTION_STATUSES.join('|')})(?:,(?:${CONNECTION_STATUSES.join('|')}))*$`,
  'i',
);

export const listConnectionsQuerySchema = z
  .object({
    status: z
      .string()
      .regex(STATUS_LIST, `expected one or more of ${CONNECTION_STATUSES.join(', ')}, comma separated`)
      .transform((value) =>
        [...new Set(value.split(','))].map(
          (s) => CONNECTION_STATUSES.find((known) => known.toLowerCase() === s.toLowerCase()) ?? s,
        ),
      )
      .meta({ description: 'Only connections in these states (comma separated), e.g. `Pending`.' })
      .optional(),
    pls: plsReferenceSchema
      .meta({ description: 'Only this Private Link Service (name as configured, or full resource id).' })
      .optional(),
    customer: z
      .string()
      .min(1, 'expected a customer name')
      .max(64, 'expected at most 64 characters')
      .meta({
        description: 'Only connections of this customer (case-insensitive), as their records keep it.',
      })
      .optional(),
    limit: pageSize.optional(),
    continuationToken: continuationToken.optional(),
  })
  .strict();

export const listDecisionsQuerySchema = z
  .object({
    pls: plsReferenceSchema
      .meta({ description: 'Only decisions on this Private Link Service (required with `connection`).' })
      .optional(),
    connection: connectionNameSchema.meta({ description: 'Only decisions on this connection.' }).optional(),
    actor: z
      .string()
      .min(1, 'expected an actor')
      .max(256, 'expected at most 256 characters')
      .regex(NO_CONTROL_CHARACTERS, 'expected no control characters')
      .meta({ description: '`policy`, or a person by name or object id (case-insensitive, exact).' })
      .optional(),
    from: z.iso
      .datetime({ offset: true, error: 'expected an ISO 8601 date-time, e.g. 2026-03-01T00:00:00Z' })
      .meta({ description: `Oldest time included (default: ${DEFAULT_RANGE_DAYS} days before \`to\`).` })
      .optional(),
    to: z.iso
      .datetime({ offset: true, error: 'expected an ISO 8601 date-time, e.g. 2026-03-31T23:59:59Z' })
      .meta({ description: 'Newest time included (default: now).' })
      .optional(),
    limit: pageSize.optional(),
    continuationToken: continuationToken.optional(),
  })
  .strict();

export const reasonSchema = z
  .string()
  .max(
    MAX_REASON_LENGTH,
    `expected at most ${MAX_REASON_LENGTH} characters (ARM's limit for the description)`,
  )
  .regex(/\S/, 'expected some text')
  .regex(NO_CONTROL_CHARACTERS, 'expected no control characters (line breaks included)')
  .meta({
    description: `Why; written to the connection as its description (at most ${MAX_REASON_LENGTH} characters).`,
  });

export const expectedStatusSchema = z.enum(['Pending', 'Approved', 'Rejected']).meta({
  description:
    "The status the caller saw: if the connection is in another one now, the answer is 409 `state_changed` and nothing is written. Send the `If-Match` header with the connection's `etag` to pin the exact version.",
});

/** The longest term a person may give an approval: ten years, as a rule's `approveFor`. */
export const MAX_UNTIL_DAYS = 3653;

export const untilSchema = z.iso
  .datetime({
    offset: true,
    error: 'expected an ISO 8601 date and time with a zone, such as 2027-06-30T17:00:00Z',
  })
  .meta({
    description:
      'When the approval ends (ISO 8601 with a zone). On a Pending connection it approves until then; on an Approved one it renews: the end moves there, and any reminder, notice or removal under way stops. Must be in the future, at most ten years ahead.',
  });

export const approveBodySchema = z
  .object({
    reason: reasonSchema.optional(),
    expectedStatus: expectedStatusSchema.optional(),
    until: untilSchema.optional(),
  })
  .strict();
export const rejectBodySchema = z
  .object({ reason: reasonSchema, expectedStatus: expectedStatusSchema.optional() })
  .strict();

export const hypotheticalConnectionSchema = z
  .object({
    pls: plsReferenceSchema.meta({
      description:
        'The Private Link Service asked for: a configured name, or any Private Link Service resource id.',
    }),
    privateEndpointId: privateEndpointIdSchema,
    requestMessage: z
      .string()
      .max(MAX_REASON_LENGTH, `expected at most ${MAX_REASON_LENGTH} characters`)
      .regex(NO_CONTROL_CHARACTERS, 'expected no control characters')
      .optional(),
    privateEndpointLocation: z
      .string()
      .regex(/^[A-Za-z0-9 ]{2,40}$/, 'expected an Azure region name such as westeurope')
      .optional(),
    consumerTenantId: z
      .string()
      .regex(GUID, 'expected a GUID')
      .meta({ description: 'The consumer tenant; discovered from the subscription when omitted.' })
      .optional(),
    status: z
      .enum(['Pending', 'Approved', 'Rejected'], { error: 'expected Pending, Approved or Rejected' })
      .optional(),
    name: connectionNameSchema.optional(),
  })
  .strict();

export const evaluatePolicyBodySchema = z
  .object({
    policy: z
      .union([
        z.string().min(1, 'expected the policy text (YAML or JSON)').max(MAX_BODY_BYTES),
        z.record(z.string(), z.unknown()),
      ])
      .meta({
        description:
          'A policy to try (YAML/JSON text, or the policy as a JSON object); the current policy when omitted.',
      })
      .optional(),
    connection: hypotheticalConnectionSchema
      .meta({ description: 'A hypothetical connection to evaluate instead of every current connection.' })
      .optional(),
  })
  .strict();

// ---- output -----------------------------------------------------------------------------------

const nullableString = z.string().nullable();

export const plsRefSchema = z.strictObject({ id: z.string(), name: z.string() });

export const actorSchema = z
  .strictObject({
    kind: z.enum(['policy', 'person']),
    name: z.string(),
    objectId: nullableString,
    tenantId: nullableString,
  })
  .meta({
    id: 'Actor',
    description: 'Who decided: the policy, or a person (Entra ID object id and tenant).',
  });

export const policyVerdictSchema = z
  .strictObject({
    action: z
      .enum(['approve', 'reject', 'manual'])
      .meta({ description: 'What the policy says about the connection.' }),
    rule: nullableString.meta({ description: 'The matching rule; null when the default decided.' }),
    reason: z.string(),
    description: nullableString.meta({ description: 'The description the policy would write.' }),
    policyVersion: z.string(),
    skipped: z
      .array(z.strictObject({ rule: z.string(), failed: z.string() }))
      .meta({ description: 'Earlier rules and the first condition each failed on.' }),
    effect: z
      .enum(['approve', 'reject', 'none'])
      .meta({ description: 'What the policy would do to the connection in its current state.' }),
    effectReason: z.string(),
  })
  .meta({ id: 'PolicyVerdict' });

export const lastDecisionSchema = z
  .strictObject({
    actor: actorSchema,
    rule: nullableString,
    at: z.string(),
  })
  .meta({ id: 'LastDecision' });

export const approvalsSchema = z
  .strictObject({
    required: z.number().int().min(1).max(2),
    given: z.number().int().min(0).max(2),
    text: z.string().meta({ description: 'How it reads on the dashboard, e.g. "1 of 2".' }),
    firstBy: nullableString.meta({ description: 'Who gave the first approval (display name).' }),
    firstAt: nullableString,
    lapsesAt: nullableString.meta({
      description: 'When a first approval lapses without a second (TWO_PERSON_APPROVAL_HOURS after it).',
    }),
  })
  .meta({
    id: 'Approvals',
    description:
      'The two-person rule: approvals needed and given. A first approval writes nothing to ARM; a second by a different person approves.',
  });

export const connectionItemSchema = z
  .strictObject({
    pls: plsRefSchema,
    name: z.string(),
    id: z.string(),
    status: z.string().meta({ description: "ARM's status: Pending, Approved, Rejected or Disconnected." }),
    privateEndpointId: nullableString,
    privateEndpointLocation: nullableString,
    consumerSubscriptionId: nullableString,
    consumerTenantId: nullableString.meta({
      description: 'Discovered from the subscription; an identification hint, not authentication.',
    }),
    requestMessage: nullableString.meta({
      description: "The consumer's request message (kept by the audit after a decision overwrites it).",
    }),
    description: nullableString.meta({ description: 'The description ARM holds now.' }),
    customer: nullableString.meta({
      description:
        'The customer the connection belongs to (bound by a valid onboarding code); null when unknown.',
    }),
    etag: nullableString.meta({
      description:
        "ARM's ETag of the connection as read: send it as `If-Match` with approve/reject to decide on exactly this version.",
    }),
    lastDecision: lastDecisionSchema.nullable(),
    policyVerdict: policyVerdictSchema
      .nullable()
      .meta({ description: 'Null when the policy cannot be loaded.' }),
    approvalEndsAt: nullableString.optional().meta({
      description:
        "When the approval ends (ISO; a rule's `approveFor` or a person's `until`). Absent: it does not end.",
    }),
    approvals: approvalsSchema.optional().meta({
      description: 'Present while a first approval waits for the second person (two-person rule).',
    }),
  })
  .meta({ id: 'Connection' });

export const policyStateSchema = z
  .strictObject({
    version: nullableString,
    problem: nullableString.meta({
      description: 'Why the current policy cannot be used (nothing is decided until it is fixed).',
    }),
  })
  .meta({ id: 'PolicyState' });

export const connectionListSchema = z
  .strictObject({
    items: z.array(connectionItemSchema),
    continuationToken: nullableString,
    policy: policyStateSchema,
  })
  .meta({ id: 'ConnectionList' });

export const decisionRecordSchema = z
  .strictObject({
    kind: z.enum(['intent', 'outcome', 'verdict']),
    decisionId: z.string(),
    at: z.string(),
    pls: plsRefSchema,
    connectionId: z.string(),
    connectionName: z.string(),
    privateEndpointId: nullableString,
    consumerSubscriptionId: nullableString,
    consumerTenantId: nullableString,
    requestMessage: nullableString,
    statusBefore: z.string(),
    action: z.enum(AUDIT_ACTIONS),
    rule: nullableString,
    policyVersion: nullableString,
    actor: actorSchema,
    description: nullableString,
    reason: z.string(),
    mode: z.enum(['enforce', 'dry-run', 'off']),
    trigger: z.enum(['event', 'timer', 'api']),
    correlationId: z.string(),
    result: z.enum(['succeeded', 'skipped', 'failed', 'dry-run', 'refused', 'manual']).nullable(),
    resultDetail: nullableString,
    errorCode: nullableString,
    statusAfter: nullableString,
    approvalEndsAt: nullableString.optional().meta({
      description: 'When the approval ends (ISO), on rows that set, renew or carry out an end.',
    }),
    customer: nullableString.meta({ description: 'The customer the decision bound the connection to.' }),
    onboardingCode: nullableString.meta({
      description:
        'The onboarding code check: `valid` or why not (`code_invalid`, `code_expired`, `code_revoked`, `code_exhausted`, `code_wrong_pls`, ...); never the code.',
    }),
    onboardingCodeId: nullableString.meta({ description: "The onboarding code's id (not the code)." }),
  })
  .meta({
    id: 'DecisionRecord',
    description:
      'One audit row: an intent (before the ARM write), an outcome, or a verdict that wrote nothing.',
  });

export const connectionDetailSchema = z
  .strictObject({
    connection: connectionItemSchema,
    history: z
      .array(decisionRecordSchema)
      .meta({ description: 'Every audit row of the connection, newest first.' }),
    policy: policyStateSchema,
  })
  .meta({ id: 'ConnectionDetail' });

export const decisionListSchema = z
  .strictObject({
    items: z.array(decisionRecordSchema),
    continuationToken: nullableString,
    from: z.string(),
    to: z.string(),
  })
  .meta({ id: 'DecisionList' });

export const decisionResultSchema = z
  .strictObject({
    outcome: z.enum(['applied', 'dry-run', 'unchanged', 'first-approval', 'renewed']).meta({
      description:
        "`applied`: written to ARM; `dry-run`: APPROVAL_MODE=dry-run, audited but not written; `unchanged`: already in that state; `first-approval`: the first of two approvals (two-person rule), recorded, nothing written to ARM; `renewed`: the approval's end moved (`until` on an Approved connection).",
    }),
    decisionId: nullableString,
    action: z.enum(['approve', 'reject']),
    statusBefore: z.string(),
    status: z.string().meta({ description: 'The status after the decision.' }),
    description: nullableString.meta({ description: 'The description written to the connection.' }),
    actor: actorSchema,
    at: z.string(),
    connection: z.strictObject({ pls: plsRefSchema, name: z.string(), id: z.string() }),
    approvalEndsAt: nullableString
      .optional()
      .meta({ description: 'When the approval ends (ISO); null or absent: it does not end.' }),
    approvals: approvalsSchema.optional(),
  })
  .meta({ id: 'DecisionResult' });

export const evaluationSchema = z
  .strictObject({
    connection: z.strictObject({
      pls: plsRefSchema,
      name: z.string(),
      id: nullableString,
      status: z.string(),
      privateEndpointId: nullableString,
      consumerSubscriptionId: nullableString,
      consumerTenantId: nullableString,
      requestMessage: nullableString,
      hypothetical: z.boolean(),
    }),
    verdict: policyVerdictSchema,
  })
  .meta({ id: 'Evaluation' });

export const evaluateResultSchema = z
  .strictObject({
    policy: z.strictObject({
      source: z.enum(['current', 'request']),
      version: z.string(),
      rules: z.number().int(),
      defaultAction: z.enum(['reject', 'manual']),
    }),
    evaluations: z.array(evaluationSchema),
    summary: z.strictObject({
      approve: z.number().int(),
      reject: z.number().int(),
      manual: z.number().int(),
    }),
  })
  .meta({ id: 'EvaluateResult' });

export const problemSchema = z
  .strictObject({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    correlationId: z.string(),
    errors: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({
    id: 'Problem',
    description: 'RFC 9457 problem details with a stable `code` and the offending fields.',
  });

/** The probe feature owns its summary's shape; the OpenAPI document describes it from there. */
export { probesSummarySchema } from '../../probe/core/probe-summary-types';

export type ActorView = z.output<typeof actorSchema>;
export type PlsRef = z.output<typeof plsRefSchema>;
export type PolicyVerdictView = z.output<typeof policyVerdictSchema>;
export type ConnectionItem = z.output<typeof connectionItemSchema>;
export type ConnectionList = z.output<typeof connectionListSchema>;
export type ConnectionDetail = z.output<typeof connectionDetailSchema>;
export type DecisionRecord = z.output<typeof decisionRecordSchema>;
export type DecisionList = z.output<typeof decisionListSchema>;

export type DecisionResult = z.output<typeof decisionResultSchema>;
export type Evaluation = z.output<typeof evaluationSchema>;
export type EvaluateResult = z.output<typeof evaluateResultSchema>;
export type PolicyState = z.output<typeof policyStateSchema>;
export type HypotheticalConnection = z.output<typeof hypotheticalConnectionSchema>;
