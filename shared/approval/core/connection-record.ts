/*
 * The connection record: what the product knows about one connection, kept durably (one row per
 * connection). ARM holds the connection's state; only the product knows who or what decided it,
 * when and by which rule, and the consumer's request message once ARM has overwritten it. The
 * record is written with the decision's outcome row (one transaction), and kept current by each
 * reconciliation's list (first seen, status changes, drift).
 */

/** The decision that last changed the connection (written only when the ARM write succeeded). */
export interface RecordedDecision {
  readonly actorKind: 'policy' | 'person';
  /** `policy`, or the person's display name. */
  readonly actor: string;
  /** The person's object id and tenant (undefined for the policy). */
  readonly actorObjectId: string | undefined;
  readonly actorTenantId: string | undefined;
  readonly at: string;
  readonly action: 'approve' | 'reject';
  readonly rule: string | undefined;
  readonly reason: string | undefined;
  /** The audit rows of this decision carry the same id. */
  readonly decisionId: string;
}

/** The last verdict recorded without an ARM write (manual, dry-run), so it is audited once, not every run. */
export interface RecordedVerdict {
  /** `{status}|{policyVersion}|{action}|{rule}` the verdict was made on. */
  readonly key: string;
  readonly action: string | undefined;
  readonly rule: string | undefined;
  readonly reason: string | undefined;
}

export interface ConnectionRecord {
  readonly plsId: string;
  readonly connectionId: string;
  readonly connectionName: string;
  /** The status last seen in ARM, or set by our own decision. */
  readonly status: string;
  readonly privateEndpointId: string | undefined;
  readonly privateEndpointLocation: string | undefined;
  readonly consumerSubscriptionId: string | undefined;
  readonly consumerTenantId: string | undefined;
  /** Captured while the connection was Pending, before a decision overwrote ARM's description. */
  readonly requestMessage: string | undefined;
  readonly firstSeenAt: string;
  /** When status (or anything we track) last changed, as we observed or caused it. */
  readonly changedAt: string;
  readonly decision: RecordedDecision | undefined;
  readonly verdict: RecordedVerdict | undefined;
  /**
   * The customer the connection belongs to: set by a decision that knows it (a valid onboarding code
   * or an entitlement answer binds it), kept by later decisions that do not. Inert text.
   */
  readonly customer?: string | undefined;
  /**
   * ARM's `linkIdentifier` of the connection: the number the PLS puts in each TCP connection's
   * PROXY v2 header when TCP proxy v2 is on, so a backend can tell which consumer it serves
   * (GET /api/links/{linkId}). Written by each list and each decision.
   */
  readonly linkId?: string | undefined;
  /**
   * When the approval ends (ISO): set by a rule's `approveFor` or a person's `until`, moved by a
   * renewal. Undefined: the approval does not end. See expiry.ts for what happens around it.
   */
  readonly approvalEndsAt?: string | undefined;
  /**
   * How far the end of the approval has been carried out (`reminded`, `ended`, `removed`, or with
   * `dry-run:` before it in dry-run), and for which end: a renewal moves the end, so a stage
   * recorded for another end no longer counts and the steps start over.
   */
  readonly expiryStage?: string | undefined;
  readonly expiryStageFor?: string | undefined;
  /** A first approval waiting for a second person (the two-person rule). */
  readonly firstApproval?: FirstApproval | undefined;
}

/** The first of two approvals: who gave it, when, and the end they asked for (`until`). */
export interface FirstApproval {
  readonly actor: string;
  readonly actorObjectId: string;
  readonly at: string;
  readonly until: string | undefined;
}

/**
 * A change to one record: the connection name keys it, each field given replaces the stored one,
 * fields left out stay as they are. A decision given replaces the whole stored decision.
 */
export type RecordPatch = { readonly connectionName: string } & Partial<
  Omit<ConnectionRecord, 'connectionName'>
>;

/**
 * Approved by a person, as the record knows it: the policy leaves such a connection alone (no
 * revocation under enforceOnApproved). The one place this is derived, for reconciliation and the API.
 */
export function approvedByPerson(record: ConnectionRecord | undefined, statusNow: string): boolean {
  return statusNow === 'Approved' && record?.decision?.actorKind === 'person';
}
