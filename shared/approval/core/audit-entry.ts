/* One audit row's facts: who or what decided, why, and what the consumer asked for. */
import type { Actor } from './actor';

export type AuditKind = 'intent' | 'outcome' | 'verdict';

/**
 * What a row is about: a decision (`approve`, `reject`, `manual`), the first of two approvals
 * (`first-approval`, nothing written to ARM), a renewal of an approval's end (`renew`), and the
 * steps of an approval that ends: the reminder (`expiry-reminder`), the notice on the connection
 * when it ends (`expiry-notice`) and the removal after the grace period (`expiry-removal`).
 */
export const AUDIT_ACTIONS = [
  'approve',
  'reject',
  'manual',
  'first-approval',
  'renew',
  'expiry-reminder',
  'expiry-notice',
  'expiry-removal',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export type AuditResult = 'succeeded' | 'skipped' | 'failed' | 'dry-run' | 'refused' | 'manual';

export interface AuditEntry {
  readonly kind: AuditKind;
  readonly decisionId: string;
  readonly at: Date;
  readonly plsId: string;
  readonly connectionId: string;
  readonly connectionName: string;
  readonly privateEndpointId: string | undefined;
  readonly consumerSubscriptionId: string | undefined;
  readonly consumerTenantId: string | undefined;
  /** The consumer's request message as captured while Pending (kept after ARM overwrites it). */
  readonly requestMessage: string | undefined;
  readonly statusBefore: string;
  readonly action: AuditAction;
  readonly rule: string | undefined;
  readonly policyVersion: string | undefined;
  readonly actor: Actor;
  /** The description written (or to be written) to the connection. */
  readonly description: string | undefined;
  /** Why: the policy's reason, or the person's. */
  readonly reason: string;
  readonly mode: 'enforce' | 'dry-run' | 'off';
  readonly trigger: 'event' | 'timer' | 'api';
  readonly correlationId: string;
  /** Outcome and verdict rows only. */
  readonly result?: AuditResult | undefined;
  readonly resultDetail?: string | undefined;
  /** Our error code and ARM's (`arm_conflict/InvalidStateTransition`) when the ARM write failed. */
  readonly errorCode?: string | undefined;
  readonly statusAfter?: string | undefined;
  /** The customer the connection belongs to, when known (an entitlement answer named it). */
  readonly customer?: string | undefined;
  /** When the approval ends, on rows that set or carry out an end (approve with an end, renew, expiry steps). */
  readonly approvalEndsAt?: string | undefined;
}

/** The key an entry is reported under by writeMany. */
export function entryId(entry: AuditEntry): string {
  return `${entry.decisionId}|${entry.kind}`;
}

/** The facts of the connection an audit row is about, as captured while it was Pending. */
export type AuditedConnection = Pick<
  AuditEntry,
  | 'plsId'
  | 'connectionId'
  | 'connectionName'
  | 'privateEndpointId'
  | 'consumerSubscriptionId'
  | 'consumerTenantId'
  | 'requestMessage'
>;
