import type { TokenCredential } from '@azure/core-auth';
import type { Config } from '../../config/config';
import type { Log } from '../../log';
import type { ProbedTarget, ProbeResult } from '../../probe/core/types';
import type { AvailabilitySender } from '../adapters/availability-exporter';

/**
 * The probe run's one call at its end: one availability result per probed target, sent and
 * flushed before returning. Without APPLICATIONINSIGHTS_CONNECTION_STRING it returns at once and
 * loads nothing. A telemetry failure is logged and never fails the run.
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
    await sender.send(results.map((p) => availabilityRecord(p.target, p.result, runLocation)));
    return results.length;
  } catch (error) {
    senders.delete(container);
    const code = (error as { code?: unknown }).code;
    context.warn(
      JSON.stringify({
        event: 'probe.availability.failed',
        count: results.length,
        code: typeof code === 'string' ? code : 'internal',
      }),
    );
    return 0;
  }
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
