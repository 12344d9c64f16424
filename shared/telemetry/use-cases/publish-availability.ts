import type { TokenCredential } from '@azure/core-auth';
import type { Config } from '../../config/config';
import type { Log } from '../../log';
import type { ProbedTarget, ProbeResult } from '../../probe/core/types';
import type { AvailabilitySender } from '../adapters/availability-exporter';
import { recordExportOutcome } from '../core/export-outcome';

/**
 * The probe run's one call at its end: one availability result per probed target, sent and
 * flushed before returning. Without APPLICATIONINSIGHTS_CONNECTION_STRING it returns at once and
 * loads nothing. A telemetry failure never fails the run: it is warned once per failure streak
 * (with the reason, never the connection string) and shown in health until a send succeeds.
 */
/** What publishing takes from the composition root: the telemetry settings and test overrides. */
export interface TelemetrySource {
  readonly config: Pick<Config, 'telemetry'>;
  readonly telemetryOverrides: { readonly ca?: string; readonly credential?: TokenCredential };
}

const senders = new WeakMap<TelemetrySource, Promise<AvailabilitySender>>();

/** True once the exporter was loaded in this process (tests prove the unset case loads nothing). */
export let availabilityExporterLoaded = false;

export async function publishAvailability(
  container: TelemetrySource,
  context: Log,
  probed: readonly ProbedTarget[],
): Promise<number> {
  const { connectionString, authenticationString, runLocation } = container.config.telemetry;
  if (connectionString === undefined) return 0;
  const results = probed.filter((p): p is ProbedTarget & { result: ProbeResult } => p.result !== null);
  if (results.length === 0) return 0;
  try {
    const sender = await senderFor(container, connectionString, authenticationString);
    const { availabilityRecord } = await import('../core/availability-record');
    const failure = await sender.send(
      results.map((p) => availabilityRecord(p.target, p.result, runLocation)),
    );
    if (failure === null) {
      recordExportOutcome({ ok: true, at: new Date().toISOString() });
      return results.length;
    }
    warnOnStreakStart(context, results.length, failure);
    return 0;
  } catch (error) {
    senders.delete(container);
    const code = (error as { code?: unknown }).code;
    warnOnStreakStart(
      context,
      results.length,
      `the sender failed (${typeof code === 'string' ? code : 'internal'})`,
    );
    return 0;
  }
}

/** Records the failure; warns only on the first of a streak, so a dead endpoint does not flood the log. */
function warnOnStreakStart(context: Log, count: number, reason: string): void {
  if (!recordExportOutcome({ ok: false, at: new Date().toISOString(), reason })) return;
  context.warn(JSON.stringify({ event: 'probe.availability.failed', count, reason }));
}

function senderFor(
  container: TelemetrySource,
  connectionString: string,
  authenticationString: string | undefined,
): Promise<AvailabilitySender> {
  let sender = senders.get(container);
  if (sender === undefined) {
    sender = (async () => {
      const [{ createAvailabilitySender }, { parseAuthenticationString }] = await Promise.all([
        import('../adapters/availability-exporter'),
        import('../core/authentication-string'),
      ]);
      availabilityExporterLoaded = true;
      const overrides = container.telemetryOverrides;
      return createAvailabilitySender(
        connectionString,
        parseAuthenticationString(authenticationString),
        async (auth) => {
          if (overrides.credential !== undefined) return overrides.credential;
          const { ManagedIdentityCredential } = await import('@azure/identity');
          return auth.clientId === undefined
            ? new ManagedIdentityCredential()
            : new ManagedIdentityCredential({ clientId: auth.clientId });
        },
        overrides.ca,
      );
    })();
    senders.set(container, sender);
  }
  return sender;
}
