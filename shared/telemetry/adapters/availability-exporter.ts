import type { TokenCredential } from '@azure/core-auth';
import { AzureMonitorLogExporter } from '@azure/monitor-opentelemetry-exporter';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import type { TelemetryAuth } from '../core/authentication-string';
import type { AvailabilityRecord } from '../core/availability-record';

/**
 * Sends availability results through @azure/monitor-opentelemetry-exporter. Both packages are
 * imported statically: this module is loaded only on the first publish (publish-availability
 * imports it lazily), and @opentelemetry/sdk-logs is CommonJS, whose `import()` in the bundle
 * yields a default export only (esbuild #3245, #4377). The exporter maps a log record whose `_MS.baseType` attribute is `AvailabilityData`
 * to an availability envelope with the record's body as its base data (the same route the
 * applicationinsights 3.x `trackAvailability` takes), and its other attributes as custom
 * dimensions. The provider is private to this module: nothing global is registered, nothing
 * else of the app is instrumented.
 */
export interface AvailabilitySender {
  send(records: readonly AvailabilityRecord[]): Promise<void>;
}

export async function createAvailabilitySender(
  connectionString: string,
  auth: TelemetryAuth | null,
  credentialFor: (auth: TelemetryAuth) => Promise<TokenCredential>,
  /** Extra CA for the ingestion endpoint (a local stand-in); the exporter always upgrades to https. */
  ca?: string,
): Promise<AvailabilitySender> {
  // Statsbeat would open connections to Microsoft endpoints other than the configured ingestion
  // (and probe the instance metadata service); in a locked-down VNet those only fail. Opt in by setting it to "".
  process.env.APPLICATION_INSIGHTS_NO_STATSBEAT ??= 'true';
  const exporter = new AzureMonitorLogExporter({
    connectionString,
    // Results not accepted now are not replayed from disk later: the tables keep the truth.
    disableOfflineStorage: true,
    ...(auth !== null ? { credential: await credentialFor(auth) } : {}),
    ...(ca !== undefined ? { tlsOptions: { ca } } : {}),
  });
  const provider: LoggerProvider = new LoggerProvider({
    processors: [
      new BatchLogRecordProcessor(exporter, {
        maxExportBatchSize: 512,
        maxQueueSize: 8192,
        scheduledDelayMillis: 60_000,
        exportTimeoutMillis: 20_000,
      }),
    ],
  });
  const logger = provider.getLogger('private-link-gatekeeper.availability');
  return {
    async send(records) {
      for (const r of records) {
        logger.emit({
          timestamp: r.time,
          body: { ...r.body },
          attributes: { '_MS.baseType': 'AvailabilityData', ...r.properties },
        });
      }
      // Flushed before the invocation ends: a consumption instance may be frozen right after.
      await provider.forceFlush();
    },
  };
}
