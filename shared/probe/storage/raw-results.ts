/*
 * Raw results: one entity per attempt, in a monthly table (`{prefix}ProbeResults{yyyyMM}`),
 * partition `{targetId}_{yyyyMMdd}`, row key `{invertedTicks(scheduledAt)}_{runHash}_{attempt}`.
 * Every part of the key derives from the run (never from the wall clock of the write), so a
 * retried run overwrites its own rows instead of adding new ones.
 */
import type { TableEntity, TransactionAction } from '@azure/data-tables';
import { compact, double } from '../../storage/entity-values';
import { storageError } from '../../storage/table-errors';
import { dayKey, invertedTicks, keySafe, runHash } from '../../storage/table-keys';
import type { TableSource } from '../../storage/table-source';
import type { ProbeAttempt, ProbeResult } from '../core/types';
import { rawTableLogicalName } from './probe-tables';

const MAX_MESSAGE = 512;
const TRANSACTION_LIMIT = 100;

export function rawPartitionKey(targetId: string, scheduledAt: Date): string {
  return `${keySafe(targetId)}_${dayKey(scheduledAt)}`;
}

export function rawRowKey(runId: string, scheduledAt: Date, attempt: number): string {
  return `${invertedTicks(scheduledAt)}_${runHash(runId)}_${String(attempt).padStart(2, '0')}`;
}

export function attemptEntity(result: ProbeResult, attempt: ProbeAttempt): TableEntity {
  const scheduledAt = new Date(result.scheduledAt);
  const isFinal = attempt.attempt === result.final.attempt;
  const t = attempt.timings;
  const tls = attempt.tls;
  return compact({
    partitionKey: rawPartitionKey(result.targetId, scheduledAt),
    rowKey: rawRowKey(result.runId, scheduledAt, attempt.attempt),
    targetId: result.targetId,
    runId: result.runId,
    scheduledAt,
    runStartedAt: new Date(result.startedAt),
    startedAt: new Date(attempt.startedAt),
    attempt: attempt.attempt,
    attempts: result.attempts.length,
    isFinal,
    status: result.status,
    attemptOk: attempt.failure === null,
    reason: isFinal ? result.reason : null,
    failureClass: attempt.failure?.class,
    phase: attempt.failure?.phase,
    code: attempt.failure?.code,
    message: attempt.failure?.message.slice(0, MAX_MESSAGE),
    dnsMs: nullableDouble(t.dnsMs),
    tcpMs: nullableDouble(t.tcpMs),
    tlsMs: nullableDouble(t.tlsMs),
    ttfbMs: nullableDouble(t.ttfbMs),
    transferMs: nullableDouble(t.transferMs),
    totalMs: double(t.totalMs),
    resolvedIp: attempt.resolvedIp,
    // What a named resolver (or a dns target's resolver) answered: the evidence behind DNS_MISMATCH.
    dnsAnswers: attempt.dnsAnswers?.join(', ').slice(0, MAX_MESSAGE),
    banner: attempt.banner?.slice(0, MAX_MESSAGE),
    expectedIpMatches: attempt.expectedIpMatches,
    localAddress: attempt.localAddress,
    localPort: attempt.localPort,
    httpVersion: attempt.httpVersion,
    statusCode: attempt.statusCode,
    serverHeader: attempt.serverHeader,
    bodyBytes: attempt.bodyBytes,
    bodySha256: attempt.bodySha256,
    bodyExcerpt: attempt.failure === null ? null : attempt.bodyExcerpt,
    tlsProtocol: tls?.protocol,
    tlsCipher: tls?.cipher,
    certSubject: tls?.subject,
    certIssuer: tls?.issuer,
    certNotAfter: tls?.notAfter,
    certDaysLeft: tls?.daysLeft,
    inMaintenance: result.inMaintenance,
    connectionState: result.connectionState,
  });
}

/** Upserts every attempt of a run in one entity-group transaction (they share a partition). */
export async function writeRawResult(container: TableSource, result: ProbeResult): Promise<void> {
  const table = await container.table(rawTableLogicalName(new Date(result.scheduledAt)));
  const actions: TransactionAction[] = result.attempts.map((a) => [
    'upsert',
    attemptEntity(result, a),
    'Replace',
  ]);
  try {
    for (let i = 0; i < actions.length; i += TRANSACTION_LIMIT)
      await table.submitTransaction(actions.slice(i, i + TRANSACTION_LIMIT));
  } catch (error) {
    throw storageError('writing raw probe results', error);
  }
}

function nullableDouble(value: number | null): ReturnType<typeof double> | null {
  return value === null ? null : double(value);
}
