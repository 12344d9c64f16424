import type { TokenCredential } from '@azure/core-auth';
import {
  type AzureMonitorExporterOptions,
  AzureMonitorLogExporter,
} from '@azure/monitor-opentelemetry-exporter';
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
  /** Resolves to why ingestion did not take the results, or null when it answered 200 to every request. */
  send(records: readonly AvailabilityRecord[]): Promise<string | null>;
}

type ClientPolicy = NonNullable<AzureMonitorExporterOptions['additionalPolicies']>[number];

/**
 * The exporter reports success for results it could not deliver: with offline storage off, a
 * retriable answer (403, 500, 503, a network or TLS error) is "persisted" to a store that keeps
 * nothing and counted as exported, and the batch processor swallows what fails anyway. So the
 * outcome is read where it happens, on the ingestion client's pipeline, once per track call after
 * the client's own retries. The reason carries the status or the error code only: never a URL,
 * header or message that could hold the connection string or a token.
 */
function outcomePolicy(onFailure: (reason: string) => void): ClientPolicy {
  return {
    position: 'perCall',
    policy: {
      name: 'availabilityExportOutcome',
      async sendRequest(request, next) {
        try {
          const response = await next(request);
          if (response.status !== 200) onFailure(`ingestion answered HTTP ${response.status}`);
          return response;
        } catch (error) {
          const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
          onFailure(
            typeof statusCode === 'number'
              ? `ingestion answered HTTP ${statusCode}`
              : `ingestion unreachable (${typeof code === 'string' ? code : 'network error'})`,
          );
          throw error;
        }
      },
    },
  };
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
  let failure: string | null = null;
  const exporter = new AzureMonitorLogExporter({
    connectionString,
    additionalPolicies: [
      outcomePolicy((reason) => {
        failure ??= reason;
      }),
    ],
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
      failure = null;
      for (const r of records) {
        logger.emit({
          timestamp: r.time,
          body: { ...r.body },
          attributes: { '_MS.baseType': 'AvailabilityData', ...r.properties },
        });
      }
      // Flushed before the invocation ends: a consumption instance may be frozen right after.
      await provider.forceFlush();
      return failure;
    },
  };
}
