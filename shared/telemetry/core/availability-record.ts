import { randomUUID } from 'node:crypto';
import type { ProbeResult, ProbeTarget } from '../../probe/core/types';
import { redactUrlQuery } from '../../redact/url-query';

/**
 * One probe result as an Application Insights availability result (pure): the shape of
 * `AvailabilityData` in the ingestion schema (learn.microsoft.com, "Application Insights telemetry
 * data model" / availability; the `availabilityResults` table): name = the test, runLocation,
 * success, duration, message, and custom dimensions.
 */
export interface AvailabilityRecord {
  readonly time: Date;
  readonly body: {
    readonly id: string;
    readonly name: string;
    readonly duration: string;
    readonly success: boolean;
    readonly runLocation: string;
    readonly message: string;
    readonly version: 2;
  };
  /** Custom dimensions (strings only: the envelope's properties are a string map). */
  readonly properties: Readonly<Record<string, string>>;
}

/** Milliseconds as the schema's TimeSpan, `d.hh:mm:ss.fff`. */
export function msToTimeSpan(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  const f = String(total % 1000).padStart(3, '0');
  const s = Math.floor(total / 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${Math.floor(s / 86400)}.${pad(Math.floor(s / 3600) % 24)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}.${f}`;
}

export function availabilityRecord(
  target: Pick<ProbeTarget, 'id' | 'displayName' | 'url'>,
  result: ProbeResult,
  runLocation: string,
): AvailabilityRecord {
  const final = result.final;
  const failure = final.failure;
  const t = final.timings;
  const dims: Record<string, string | number | boolean | null | undefined> = {
    targetId: target.id,
    // Query values may be credentials: the URL leaves with its names only (shared/redact/url-query.ts).
    url: redactUrlQuery(target.url),
    status: result.status,
    class: failure?.class,
    phase: failure?.phase,
    code: failure?.code,
    connectionState: result.connectionState,
    resolvedIp: final.resolvedIp,
    expectedIpMatches: final.expectedIpMatches,
    httpStatus: final.statusCode,
    attempts: result.attempts.length,
    inMaintenance: result.inMaintenance,
    runId: result.runId,
    dnsMs: t.dnsMs,
    tcpMs: t.tcpMs,
    tlsMs: t.tlsMs,
    ttfbMs: t.ttfbMs,
    transferMs: t.transferMs,
    totalMs: t.totalMs,
  };
  const properties = Object.fromEntries(
    Object.entries(dims)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => [k, typeof v === 'number' ? String(Math.round(v * 10) / 10) : String(v)]),
  );
  return {
    time: new Date(result.startedAt),
    body: {
      id: randomUUID(),
      name: target.displayName,
      duration: msToTimeSpan(t.totalMs),
      // DEGRADED answered correctly (slowly or after a retry): available, with the reason in the message.
      success: result.status !== 'DOWN',
      runLocation,
      message: result.reason ?? (result.status === 'UP' ? 'Passed' : result.status),
      version: 2,
    },
    properties,
  };
}
