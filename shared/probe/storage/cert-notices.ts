/*
 * cert.expiring, stored once per target, certificate and threshold: a marker row
 * `~cert|{fingerprint}|{threshold}` in the target's partition of the events table is created in one
 * transaction with the notice's outbox row (../../storage/outbox-staging.ts), so a notice is staged
 * exactly once however many runs, instances or retries see the same certificate. The `~` prefix
 * keeps markers out of the event reader's key range (events.ts reads RowKeys below `~`) and apart
 * from the outbox rows (`~notify|`), which the sweeper finds in the same partition.
 */
import type { TableEntity } from '@azure/data-tables';
import type { Clock } from '../../clock';
import { storageError } from '../../storage/table-errors';
import { keySafe } from '../../storage/table-keys';
import type { TableSource } from '../../storage/table-source';
import { type CertNotice, certNoticeFor, DEFAULT_CERT_EXPIRY_DAYS } from '../core/cert-expiry';
import type { TargetWhere } from '../core/target-state';
import type { ProbeResult } from '../core/types';
import type { ProbeOutboxSource } from './events';
import { PROBE_TABLES } from './probe-tables';

export const CERT_MARKER_PREFIX = '~cert|';

export function certMarkerRowKey(notice: Pick<CertNotice, 'fingerprint' | 'thresholdDays'>): string {
  return `${CERT_MARKER_PREFIX}${notice.fingerprint}|${notice.thresholdDays}`;
}

/** `staged`: told now; `told`: this threshold of this certificate was told before; `none`: nothing due or notifications off. */
export type CertNoticeOutcome = 'staged' | 'told' | 'none';

/**
 * Markers this instance already knows exist, per container: a certificate inside a threshold is
 * seen every run for days, and without this each run would spend a failed transaction to learn
 * what the marker already said. Only a cost saver: the marker stays the record.
 */
const knownMarkers = new WeakMap<object, Set<string>>();

export async function noticeCertExpiry(
  container: TableSource & ProbeOutboxSource & { readonly clock: Clock },
  target: { readonly id: string; readonly displayName: string; readonly certExpiryDays?: readonly number[] },
  result: ProbeResult,
  where: TargetWhere,
): Promise<CertNoticeOutcome> {
  const notice = certNoticeFor(
    target.id,
    target.certExpiryDays ?? DEFAULT_CERT_EXPIRY_DAYS,
    result,
    container.clock.now(),
  );
  if (notice === null) return 'none';
  const partitionKey = keySafe(target.id);
  const rowKey = certMarkerRowKey(notice);
  let known = knownMarkers.get(container);
  if (known === undefined) {
    known = new Set();
    knownMarkers.set(container, known);
  }
  if (known.has(`${partitionKey}/${rowKey}`)) return 'told';
  const outbox = await container.outbox();
  const staging = outbox?.stageCertNotice(notice, target.displayName, where) ?? null;
  // No webhook wants it: no marker either, so enabling one later tells the threshold then current.
  if (staging === null) return 'none';
  const marker: TableEntity = {
    partitionKey,
    rowKey,
    at: new Date(notice.at),
    notAfter: notice.notAfter,
    daysLeft: notice.daysLeft,
  };
  const table = await container.table(PROBE_TABLES.events);
  try {
    await table.submitTransaction([['create', marker], ...staging.actionsFor(partitionKey)]);
  } catch (error) {
    // 409 on the marker: told already (an earlier run, another instance, a retried message).
    if (isConflict(error)) {
      known.add(`${partitionKey}/${rowKey}`);
      return 'told';
    }
    throw storageError('writing a certificate notice', error);
  }
  known.add(`${partitionKey}/${rowKey}`);
  await staging.publish(table);
  return 'staged';
}

function isConflict(error: unknown): boolean {
  const e = error as { statusCode?: number; code?: string };
  return e.statusCode === 409 || e.code === 'EntityAlreadyExists';
}
