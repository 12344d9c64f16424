import { APPROVAL_TABLES } from '../../approval/storage/approval-tables';
import { ConnectionRecordStore } from '../../approval/storage/connection-record-store';
import { EXPOSURE_PARTITION } from '../../approval/storage/exposure-store';
import type { ApprovalServices } from '../../approval/use-cases/approval-services';
import { managedIdsOf, managesServices } from '../../approval/use-cases/managed-services';
import { isAppError } from '../../errors';
import type { Log } from '../../log';
import { PROBE_TABLES } from '../../probe/storage/probe-tables';
import { keySafe, plsKey } from '../../storage/table-keys';
import { NOTIFY_TABLES } from '../storage/notify-tables';
import { buildDeliveryDependencies, type NotifyWiringSource } from '../wiring';
import { type DeliveryResult, deliverToWebhooks } from './deliver-notification';
import { dayPartitions, type OutboxLocation, type SweepSummary, sweepOutbox } from './sweep-notifications';

/**
 * The ports the notification triggers' use cases take (functions/deliverNotification.ts and
 * sweepNotifications.ts pass the composition root, which satisfies them).
 */
export interface NotificationRunPorts extends NotifyWiringSource {
  /** The managed PLS list (configured and discovered), whose reminders the sweep reads. */
  approvalServices(): Promise<Pick<ApprovalServices, 'plsResourceIds' | 'managedServices'>>;
}

/** One queued delivery. Nothing configured → the message is dropped (and said so). */
export async function handleDeliveryMessage(
  message: unknown,
  context: Log,
  container: NotificationRunPorts,
): Promise<DeliveryResult | null> {
  const deps = await buildDeliveryDependencies(container, context);
  if (deps === null) {
    context.warn(
      JSON.stringify({ event: 'notify.not_configured', detail: 'NOTIFY_WEBHOOKS is unset; message dropped' }),
    );
    return null;
  }
  return deliverToWebhooks(deps, message);
}

/** Outbox rows older than this are the sweeper's; younger ones are still being published by their writer. */
export const SWEEP_GRACE_MS = 60_000;

/** The sweep: leftover outbox rows of every place that stages them, and pending reminders. */
export async function handleSweepTimer(
  context: Log,
  container: NotificationRunPorts,
  options: { readonly graceMs?: number } = {},
): Promise<SweepSummary | null> {
  const notifier = await container.notifier();
  if (notifier === null) return null;
  const now = container.clock.now();
  const table = (logical: string) => () => container.table(logical);
  const locations: OutboxLocation[] = [];
  const plsIds = await managedPlsIds(container, context);
  for (const pk of dayPartitions(now)) {
    locations.push({ table: table(NOTIFY_TABLES.outbox), partitionKey: pk });
    if (plsIds.length > 0) {
      locations.push({ table: table(APPROVAL_TABLES.auditByTime), partitionKey: pk });
      locations.push({ table: table(APPROVAL_TABLES.drift), partitionKey: pk });
    }
  }
  for (const plsId of plsIds)
    locations.push({ table: table(NOTIFY_TABLES.reminders), partitionKey: plsKey(plsId) });
  if (plsIds.length > 0)
    locations.push({ table: table(APPROVAL_TABLES.exposure), partitionKey: EXPOSURE_PARTITION });
  for (const targetId of await probeTargetIds(container)) {
    locations.push({ table: table(PROBE_TABLES.events), partitionKey: keySafe(targetId) });
    // slo.burn notices are staged beside the alert's state row (probe/use-cases/slo-burn.ts).
    locations.push({ table: table(PROBE_TABLES.rollups), partitionKey: keySafe(targetId) });
  }
  // The connection records share the `Audit` table; `Connections` holds snapshot rows to migrate.
  const records = new ConnectionRecordStore(table(APPROVAL_TABLES.audit), table(APPROVAL_TABLES.connections));
  return sweepOutbox({
    notifier,
    clock: container.clock,
    locations,
    plsIds,
    records: (plsId) => records.listForPls(plsId),
    reminders: table(NOTIFY_TABLES.reminders),
    reminderHours: container.config.notify.pendingReminderHours,
    graceMs: options.graceMs ?? SWEEP_GRACE_MS,
    log: context,
  });
}

/**
 * The managed PLS, configured or discovered (the instance's list), so reminders of a discovered
 * service's connections are swept too; none while approval's own settings are invalid (that feature
 * is off, not the sweeper).
 */
async function managedPlsIds(container: NotificationRunPorts, log: Log): Promise<readonly string[]> {
  try {
    if (!managesServices(container.config)) return [];
    return await managedIdsOf(await container.approvalServices(), log);
  } catch (error) {
    if (isAppError(error) && error.code === 'config_invalid') return [];
    throw error;
  }
}

async function probeTargetIds(container: NotificationRunPorts): Promise<string[]> {
  try {
    const { loadProbeTargets } = await import('../../probe/adapters/targets');
    return (await loadProbeTargets(container.config.probe.targetsSource, container.appRoot)).value.map(
      (t) => t.id,
    );
  } catch {
    // A provider app has no targets file; a broken one is reported by the probe timer.
    return [];
  }
}
