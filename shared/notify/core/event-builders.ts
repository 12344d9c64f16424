/*
 * Events from the rows that cause them (pure). Each id derives from the causing row's identity,
 * so a replayed write (an SDK retry, a re-run) produces the same event and is delivered once.
 */
import type { AuditEntry, AuditedConnection } from '../../approval/core/audit-entry';
import type { DriftRecord } from '../../approval/core/drift-record';
import { announcementKey, type ExposureChange } from '../../approval/core/exposure-audit';
import { plsNameOf, privateEndpointNameOf } from '../../arm/resource-id';
import type { CertNotice } from '../../probe/core/cert-expiry';
import type { SloBurnNotice } from '../../probe/core/slo';
import type { TargetWhere, Transition } from '../../probe/core/target-state';
import { plsNameOfDependency } from './incidents';
import { compactFacts, eventId, type NotifyEvent } from './notify-events';

function connectionFacts(e: AuditEntry) {
  return {
    plsId: e.plsId,
    plsName: plsNameOf(e.plsId),
    connectionId: e.connectionId,
    connectionName: e.connectionName,
    endpointName: privateEndpointNameOf(e.privateEndpointId),
    privateEndpointId: e.privateEndpointId,
    consumerSubscriptionId: e.consumerSubscriptionId,
    consumerTenantId: e.consumerTenantId,
    requestMessage: e.requestMessage,
    statusBefore: e.statusBefore,
    customer: e.customer,
  };
}

/** connection.pending (a manual verdict), connection.decided (a decision that landed, or a dry run), reconcile.failed (an ARM write that failed). */
export function eventFromAudit(e: AuditEntry): NotifyEvent | null {
  const base = { at: e.at.toISOString(), subject: e.connectionId };
  const actor = e.actor.kind === 'person' ? e.actor.name : 'policy';
  if (e.kind === 'verdict' && e.result === 'manual') {
    return {
      ...base,
      // Once per connection: a connection is Pending once (a new endpoint is a new connection), and a
      // later manual verdict for it (another reason after a failed lookup, a new policy, a second run
      // racing the first) is not news to the people already asked; delivery drops a repeated id.
      id: eventId(`pending|${e.connectionId}`),
      type: 'connection.pending',
      facts: compactFacts({ ...connectionFacts(e), reason: e.reason, rule: e.rule, mode: e.mode }),
    };
  }
  if (e.kind !== 'outcome') return null;
  if (e.action === 'expiry-reminder' && (e.result === 'succeeded' || e.result === 'dry-run')) {
    // Once per approval: the sweep writes one reminder outcome per end (claim-guarded), and the id is that row's.
    return {
      ...base,
      id: eventId(`audit|${e.decisionId}|outcome`),
      type: 'connection.expiring',
      facts: compactFacts({
        ...connectionFacts(e),
        approvalEndsAt: e.approvalEndsAt,
        reason: e.reason,
        mode: e.result === 'dry-run' ? 'dry-run' : e.mode,
      }),
    };
  }
  // The notice on the connection, the first of two approvals and a renewal change no status: not news to people.
  const changesStatus = e.action === 'approve' || e.action === 'reject' || e.action === 'expiry-removal';
  if (changesStatus && (e.result === 'succeeded' || e.result === 'dry-run')) {
    return {
      ...base,
      id: eventId(`audit|${e.decisionId}|outcome`),
      type: 'connection.decided',
      facts: compactFacts({
        ...connectionFacts(e),
        statusAfter:
          e.result === 'dry-run'
            ? e.action === 'approve'
              ? 'Approved'
              : e.action === 'reject'
                ? 'Rejected'
                : 'Removed'
            : e.statusAfter,
        approvalEndsAt: e.approvalEndsAt,
        reason: e.reason,
        rule: e.rule,
        actor,
        actorKind: e.actor.kind,
        mode: e.result === 'dry-run' ? 'dry-run' : e.mode,
      }),
    };
  }
  if (e.result === 'failed') {
    return {
      ...base,
      id: eventId(`audit|${e.decisionId}|outcome`),
      type: 'reconcile.failed',
      facts: compactFacts({
        ...connectionFacts(e),
        reason: e.resultDetail ?? 'the decision could not be written',
        errorCode: e.errorCode,
        actor,
        actorKind: e.actor.kind,
        rule: e.rule,
      }),
    };
  }
  return null;
}

/**
 * connection.drift: vanished, changed, or appeared in a state other than Pending (ARM's own
 * auto-approval list, or an approval made elsewhere). A connection appearing as Pending is told
 * by connection.pending or connection.decided instead, so it is not told twice.
 */
export function eventFromDrift(d: DriftRecord): NotifyEvent | null {
  if (d.kind === 'appeared' && d.statusAfter === 'Pending') return null;
  return {
    id: eventId(
      `drift|${d.plsId.toLowerCase()}|${d.connectionName.toLowerCase()}|${d.kind}|${d.at.getTime()}`,
    ),
    type: 'connection.drift',
    at: d.at.toISOString(),
    subject: d.connectionId,
    facts: compactFacts({
      plsId: d.plsId,
      plsName: plsNameOf(d.plsId),
      connectionId: d.connectionId,
      connectionName: d.connectionName,
      driftKind: d.kind,
      statusBefore: d.statusBefore,
      statusAfter: d.statusAfter,
    }),
  };
}

/**
 * probe.down / probe.degraded / probe.up. The first judged result of a new target (UNKNOWN → UP)
 * is not news; UNKNOWN → DOWN is (the target never worked).
 *
 * A DOWN the PLS connection explains (not Approved: Pending, Rejected, Missing) pages nobody: the
 * connection's own events (connection.pending, connection.decided, connection.drift) tell it, and
 * an endpoint waiting for approval is not an outage. Such a DOWN counts like UNKNOWN for what
 * follows: the service answering once approved is not "UP again", failing once approved is a
 * probe.down (the state machine's DOWN → DOWN hand-over), and DEGRADED is told as always.
 */
export function eventFromTransition(
  targetId: string,
  displayName: string,
  t: Transition,
  where?: TargetWhere,
): NotifyEvent | null {
  const fromUnjudged = t.from === 'UNKNOWN' || (t.awaitedConnection ?? null) !== null;
  const type =
    t.to === 'DOWN'
      ? t.connectionState === null
        ? 'probe.down'
        : null
      : t.to === 'DEGRADED'
        ? 'probe.degraded'
        : t.to === 'UP' && !fromUnjudged
          ? 'probe.up'
          : null;
  if (type === null) return null;
  const latest = t.evidence[0];
  const failing = t.to !== 'UP' && latest !== undefined;
  return {
    id: eventId(`probe|${targetId}|${t.runId}|${t.to}`),
    type,
    at: t.at,
    subject: targetId,
    facts: compactFacts({
      targetId,
      targetName: displayName,
      plsName: plsNameOfDependency(where?.dependsOn),
      url: where?.url,
      expectedIp: where?.expectedIp,
      from: t.from,
      to: t.to,
      reason: t.reason,
      since: failing ? streakStart(t) : undefined,
      detail: failing ? (latest.reason ?? undefined) : undefined,
      // A probe.down is only sent with the connection Approved (or no connection known): say which.
      connectionState:
        t.connectionState ??
        (where?.dependsOn !== undefined && type === 'probe.down' ? 'Approved' : undefined),
      failureClass: latest?.failureClass ?? undefined,
      phase: latest?.phase ?? undefined,
      code: latest?.code ?? undefined,
      ownerSide:
        type === 'probe.down' ? ownerSideOf(latest?.failureClass ?? null, latest?.phase ?? null) : undefined,
    }),
  };
}

/**
 * cert.expiring: one per target, certificate and threshold; the id says which, so a replay (or a
 * second instance) stages the same event, and the marker row (probe/storage/cert-notices.ts) stops
 * a later run from staging it again.
 */
export function eventFromCertNotice(
  notice: CertNotice,
  displayName: string,
  where?: TargetWhere,
): NotifyEvent {
  return {
    id: eventId(`cert|${notice.targetId}|${notice.fingerprint}|${notice.thresholdDays}`),
    type: 'cert.expiring',
    at: notice.at,
    subject: notice.targetId,
    facts: compactFacts({
      targetId: notice.targetId,
      targetName: displayName,
      plsName: plsNameOfDependency(where?.dependsOn),
      url: where?.url,
      expectedIp: where?.expectedIp,
      certNotAfter: notice.notAfter,
      certDaysLeft: notice.daysLeft,
      certThresholdDays: notice.thresholdDays,
      certSubject: notice.subject ?? undefined,
      certIssuer: notice.issuer ?? undefined,
      certFingerprint: notice.fingerprint,
      certSerialNumber: notice.serialNumber ?? undefined,
      // The service behind the PLS presents the certificate: renewing it is the provider's job.
      ownerSide: 'provider',
    }),
  };
}

/**
 * slo.burn: a burn-rate alert of a target's objective started firing or stopped (../../probe/core/slo.ts).
 * One of each per episode: the id derives from the episode's start and the notice's kind.
 */
export function eventFromBurn(targetId: string, displayName: string, burn: SloBurnNotice): NotifyEvent {
  return {
    id: eventId(`slo|${targetId}|${burn.rule}|${burn.since}|${burn.kind}`),
    type: 'slo.burn',
    at: burn.at,
    subject: targetId,
    facts: compactFacts({
      targetId,
      targetName: displayName,
      rule: `${burn.rule} (${burn.severity})`,
      from: burn.kind === 'fired' ? 'ok' : 'burning',
      to: burn.kind === 'fired' ? 'burning' : 'resolved',
      since: burn.since,
      reason: burnSentence(burn),
    }),
  };
}

function burnSentence(b: SloBurnNotice): string {
  const x = (n: number) => `${Math.round(n * 10) / 10}x`;
  return `burn rate ${x(b.longBurn)} over ${b.longMinutes} min and ${x(b.shortBurn)} over ${b.shortMinutes} min (alert at ${x(b.threshold)}); objective ${b.availability} % over ${b.windowDays} days, maintenance and not-Approved time left out`;
}

/** When the streak that made the transition began: the oldest of the newest run's like-status evidence. */
function streakStart(t: Transition): string | undefined {
  const newest = t.evidence[0];
  if (newest === undefined) return undefined;
  let start = newest;
  for (const e of t.evidence) {
    if (e.status !== newest.status) break;
    start = e;
  }
  return start.scheduledAt;
}

/**
 * Which side usually owns the fix, from the failure class (docs/probe.md, "Failure classes"): the
 * consumer's name resolution (DNS), the network between (timeouts and resets on the path: NSG, UDR,
 * the load balancer, the PLS NAT), or the provider's service (refused, TLS, slow or wrong answers).
 * A first guess for the person woken up, not a verdict.
 */
export function ownerSideOf(
  failureClass: string | null,
  phase: string | null,
): 'consumer' | 'provider' | 'network' {
  switch (failureClass) {
    case 'DNS':
    // The private endpoint is the consumer's resource: whoever re-pointed it owns the fix.
    case 'WRONG_SERVICE':
    // The consumer's DNS (zone link, forwarder) handed out the wrong address.
    case 'DNS_MISMATCH':
      return 'consumer';
    case 'TCP_TIMEOUT':
    case 'TCP_RESET':
      return 'network';
    case 'TCP_REFUSED':
    case 'TLS':
    case 'HEADERS_TIMEOUT':
    case 'BODY_TIMEOUT':
    case 'HTTP_STATUS':
    case 'ASSERTION':
    case 'BODY_TOO_LARGE':
      return 'provider';
    default:
      return phase === 'dns' ? 'consumer' : phase === 'tcp' || phase === null ? 'network' : 'provider';
  }
}

/** A connection still waiting for a person: the audited facts of its connection, and why and since when it waits. */
export interface PendingConnection extends AuditedConnection {
  readonly reason: string | undefined;
  readonly rule: string | undefined;
  /** When it was first seen Pending. */
  readonly since: Date;
}

/** Which reminder period a pending connection is in (0 = too early for any), given the period length. */
export function reminderPeriod(since: Date, now: Date, periodHours: number): number {
  const elapsed = now.getTime() - since.getTime();
  return elapsed <= 0 ? 0 : Math.floor(elapsed / (periodHours * 3_600_000));
}

/** connection.reminder for period n (n ≥ 1): the id names the period, so each period reminds once. */
export function reminderEvent(c: PendingConnection, period: number, periodHours: number): NotifyEvent {
  const at = new Date(c.since.getTime() + period * periodHours * 3_600_000);
  return {
    id: eventId(
      `reminder|${c.plsId.toLowerCase()}|${c.connectionName.toLowerCase()}|${c.since.getTime()}|${period}`,
    ),
    type: 'connection.reminder',
    at: at.toISOString(),
    subject: c.connectionId,
    facts: compactFacts({
      plsId: c.plsId,
      plsName: plsNameOf(c.plsId),
      connectionId: c.connectionId,
      connectionName: c.connectionName,
      endpointName: privateEndpointNameOf(c.privateEndpointId),
      privateEndpointId: c.privateEndpointId,
      consumerSubscriptionId: c.consumerSubscriptionId,
      consumerTenantId: c.consumerTenantId,
      requestMessage: c.requestMessage,
      reason: c.reason,
      rule: c.rule,
      statusBefore: 'Pending',
      pendingSince: c.since.toISOString(),
      pendingHours: period * periodHours,
    }),
  };
}

/** reconcile.failed for a whole PLS: one per PLS and hour, however many timer runs fail in it. */
export function reconcileFailedEvent(plsId: string, code: string, at: Date): NotifyEvent {
  const hour = Math.floor(at.getTime() / 3_600_000);
  return {
    id: eventId(`reconcile|${plsId.toLowerCase()}|${hour}`),
    type: 'reconcile.failed',
    at: at.toISOString(),
    subject: plsId,
    facts: compactFacts({
      plsId,
      plsName: plsNameOf(plsId),
      errorCode: code,
      reason: `the Private Link Service could not be reconciled (${code})`,
    }),
  };
}

/**
 * exposure.contradiction / exposure.resolved: once per PLS, setting and value (the exposure row's
 * announced list decides what is new); the run's time is in the id, so a contradiction that comes
 * back after a fix is a new event, and the same run written twice is the same one.
 */
export function eventFromExposure(change: ExposureChange): NotifyEvent {
  const { finding, plsId } = change;
  return {
    id: eventId(
      `exposure|${plsId.toLowerCase()}|${announcementKey(finding)}|${change.kind}|${change.at.getTime()}`,
    ),
    type: change.kind === 'contradiction' ? 'exposure.contradiction' : 'exposure.resolved',
    at: change.at.toISOString(),
    subject: plsId,
    facts: compactFacts({
      plsId,
      plsName: plsNameOf(plsId),
      setting: finding.setting,
      currentValue: change.kind === 'contradiction' ? finding.current : undefined,
      expected: finding.expected,
      reason: change.kind === 'contradiction' ? finding.problem : `fixed: ${finding.problem}`,
      fix: change.kind === 'contradiction' ? finding.fix : undefined,
    }),
  };
}
