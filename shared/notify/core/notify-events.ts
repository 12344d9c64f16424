import { createHash } from 'node:crypto';
import { NOTIFY_EVENT_TYPES, type NotifyEventType } from '../../config/notify-webhooks';

/**
 * What the product tells people about, as plain data: an event type, when it happened, and the
 * facts a message is built from. Pure: builders derive events from the rows that cause them, and
 * every event id is derived from its cause, so writing the same cause twice yields the same event.
 */

/** The facts of an event; every field optional because each type carries its own subset. */
export interface NotifyFacts {
  readonly plsId?: string | undefined;
  readonly plsName?: string | undefined;
  readonly connectionId?: string | undefined;
  readonly connectionName?: string | undefined;
  readonly endpointName?: string | undefined;
  readonly privateEndpointId?: string | undefined;
  readonly consumerSubscriptionId?: string | undefined;
  readonly consumerTenantId?: string | undefined;
  readonly requestMessage?: string | undefined;
  /** The customer the connection belongs to (bound by a valid onboarding code). */
  readonly customer?: string | undefined;
  readonly reason?: string | undefined;
  readonly actor?: string | undefined;
  readonly actorKind?: string | undefined;
  readonly rule?: string | undefined;
  readonly statusBefore?: string | undefined;
  readonly statusAfter?: string | undefined;
  readonly driftKind?: string | undefined;
  readonly mode?: string | undefined;
  readonly pendingSince?: string | undefined;
  readonly pendingHours?: number | undefined;
  readonly targetId?: string | undefined;
  readonly targetName?: string | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly connectionState?: string | undefined;
  readonly failureClass?: string | undefined;
  readonly phase?: string | undefined;
  readonly code?: string | undefined;
  readonly errorCode?: string | undefined;
  /** Probe events: the target's address and the private endpoint IP it should resolve to. */
  readonly url?: string | undefined;
  readonly expectedIp?: string | undefined;
  /** Probe events: when the failing (or slow) streak began: the first run of it. */
  readonly since?: string | undefined;
  /** Probe events: what the probe saw in the latest run, in its own words. */
  readonly detail?: string | undefined;
  /** Probe events: which side usually owns the fix for this failure (see ownerSideOf). */
  readonly ownerSide?: string | undefined;
  /** A grouped probe.down: how many targets failed for the same cause, and the others' names and addresses. */
  readonly affectedCount?: number | undefined;
  readonly alsoAffected?: string | undefined;
  /** The other targets' ids, comma separated (the people-facing `alsoAffected` names them in full). */
  readonly alsoAffectedIds?: string | undefined;
  /** When the connection's approval ends (ISO): connection.expiring, and decisions that set an end. */
  readonly approvalEndsAt?: string | undefined;
  /** cert.expiring: the certificate's expiry (ISO), whole days left, the threshold told, and which certificate. */
  readonly certNotAfter?: string | undefined;
  readonly certDaysLeft?: number | undefined;
  readonly certThresholdDays?: number | undefined;
  readonly certSubject?: string | undefined;
  readonly certIssuer?: string | undefined;
  readonly certFingerprint?: string | undefined;
  readonly certSerialNumber?: string | undefined;
  /** Exposure events: the PLS setting, its value now, what the policy implies, and the exact change. */
  readonly setting?: string | undefined;
  readonly currentValue?: string | undefined;
  readonly expected?: string | undefined;
  readonly fix?: string | undefined;
}

export interface NotifyEvent {
  /** Stable per cause (hex); with the webhook name it is the de-duplication key of a delivery. */
  readonly id: string;
  readonly type: NotifyEventType;
  /** ISO time of the cause. */
  readonly at: string;
  /** What the event is about: a connection or probe target id. */
  readonly subject: string;
  readonly facts: NotifyFacts;
}

/** Event ids are 32 hex characters: safe in table keys and queue messages, whatever the cause's key holds. */
export function eventId(naturalKey: string): string {
  return createHash('sha256').update(naturalKey).digest('hex').slice(0, 32);
}

/** Drops undefined and empty fields so payloads and rows only hold what is known. */
export function compactFacts(facts: NotifyFacts): NotifyFacts {
  return Object.fromEntries(
    Object.entries(facts).filter(([, v]) => v !== undefined && v !== ''),
  ) as NotifyFacts;
}

export function isNotifyEventType(value: string): value is NotifyEventType {
  return (NOTIFY_EVENT_TYPES as readonly string[]).includes(value);
}
