/* What the scenario means for the ARM emulator and for the probe: the seed, and one probe target per endpoint. */
import type { ArmSeed } from '../../emulators/arm/seed';
import { armSeed } from '../../emulators/arm/seed';
import { plsIdOf, privateEndpointIdOf, type Scenario } from './scenario';

/** The emulator's starting world: who owns which subscription, and the provider's Private Link Services (no connections yet). */
export function seedOf(scenario: Scenario): ArmSeed {
  const tenants = new Map<string, string>([
    [scenario.provider.subscriptionId.toLowerCase(), scenario.provider.tenantId],
  ]);
  for (const consumer of scenario.consumers) {
    if (consumer.tenantId !== undefined)
      tenants.set(consumer.subscriptionId.toLowerCase(), consumer.tenantId);
  }
  return armSeed({
    subscriptions: [...tenants].map(([subscriptionId, tenantId]) => ({ subscriptionId, tenantId })),
    privateLinkServices: scenario.provider.privateLinkServices.map((pls) => ({
      id: plsIdOf(scenario, pls),
      location: pls.location,
      visibility: pls.visibility,
      autoApproval: [],
      enableProxyProtocol: pls.enableProxyProtocol,
      ...(pls.alias === undefined ? {} : { alias: pls.alias }),
    })),
  });
}

export interface EndpointAddress {
  readonly privateEndpointId: string;
  readonly ip: string;
  readonly url: string;
}

/** Assertions that tell the IIS default site from anything else (the stand-in answers like IIS 10). */
export const IIS_ASSERTIONS = {
  status: [200],
  headers: { Server: 'Microsoft-IIS/*' },
  bodyContains: 'IIS Windows Server',
} as const;

/**
 * The consumer-side probe targets (the PROBE_TARGETS document): `http://{PE IP}/` of every probed
 * endpoint, with the IIS assertions and the endpoint as `dependsOn`, so a failure names the
 * connection state. Short timeouts and thresholds: the lab probes every few seconds and should show
 * a change within two or three runs.
 */
export function probeTargetsOf(
  scenario: Scenario,
  addressOf: (privateEndpointId: string) => EndpointAddress,
): { targets: Record<string, unknown>[] } {
  return {
    targets: scenario.consumers
      .filter((consumer) => consumer.probe)
      .map((consumer) => {
        const peId = privateEndpointIdOf(consumer);
        const address = addressOf(peId);
        return {
          id: consumer.endpoint,
          displayName: `${consumer.label}: ${consumer.endpoint} → ${consumer.privateLinkService}`,
          url: address.url,
          expectedIp: address.ip,
          assertions: IIS_ASSERTIONS,
          latencySloMs: 500,
          // An objective, so the dashboard, the report and the metrics show an error budget (and an
          // IIS outage in the scenario spends it): the lab probes every few seconds, a week is plenty.
          slo: { availability: 99, latencyMs: 500, window: '7d' },
          timeouts: { connectMs: 1_000, firstByteMs: 2_000, totalMs: 3_000 },
          retries: 0,
          failureThreshold: 2,
          successThreshold: 1,
          dependsOn: peId,
        };
      }),
  };
}
