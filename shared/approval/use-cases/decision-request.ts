import type { PrivateEndpointConnection } from '../../arm/arm-gateway';
import type { AppError } from '../../errors';
import type { Actor } from '../core/actor';
import type { CapturedConnection } from '../core/captured-connection';
import type { DecisionAction } from '../core/transitions';
import type { AuditEntry } from '../storage/audit-store';
import type { ClaimHandle } from '../storage/claim-store';
import type { Trigger } from './approval-services';

/* What goes into the decision path (decide-connection.ts) and what comes out, shared by its steps. */

export interface DecisionRequest {
  readonly capture: CapturedConnection;
  readonly action: DecisionAction;
  /** Written to the connection; at most 140 characters. */
  readonly description: string;
  readonly reason: string;
  readonly rule: string | undefined;
  readonly policyVersion: string | undefined;
  readonly actor: Actor;
  readonly trigger: Trigger;
  readonly correlationId: string;
  /** Decide and audit, but write nothing to ARM (APPROVAL_MODE=dry-run). */
  readonly dryRun: boolean;
  /**
   * A person decided on this version of the connection (the ETag they read, `If-Match`): the write
   * goes ahead only if the re-read still shows it, else the decision is skipped as stale.
   */
  readonly requiredEtag?: string | undefined;
  /** When the product first saw the connection (from its record), kept in the record this decision writes. */
  readonly firstSeenAt?: string | undefined;
  /** The customer the connection belongs to (from an entitlement answer), kept in its audit rows and record. */
  readonly customer?: string | undefined;
  /** When an approval ends (ISO): a rule's `approveFor`, a person's `until`. Absent: it does not end. */
  readonly approvalEndsAt?: string | undefined;
}

export type DecisionOutcome =
  | { readonly kind: 'applied'; readonly decisionId: string; readonly connection: PrivateEndpointConnection }
  | { readonly kind: 'dry-run'; readonly decisionId: string }
  /** Already in the decided state: nothing written, nothing audited. */
  | { readonly kind: 'no-op' }
  /** The transition is impossible (Rejected → Approved, Disconnected). */
  | { readonly kind: 'refused'; readonly reason: string }
  /** Another decision holds the connection, or just made this same decision. */
  | { readonly kind: 'claimed'; readonly reason: 'held' | 'decided'; readonly holderTarget: string }
  /** The re-read showed another state (or no connection): the decision was not written. */
  | { readonly kind: 'stale'; readonly decisionId: string; readonly statusNow: string | undefined }
  | { readonly kind: 'failed'; readonly decisionId: string | undefined; readonly error: AppError };

/** A decision on its way through the steps: its intent row, and its claim once taken. */
export interface Live {
  readonly index: number;
  readonly request: DecisionRequest;
  readonly intent: AuditEntry;
  handle: ClaimHandle | undefined;
}
