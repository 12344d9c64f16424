/*
 * Labels a failing probe with the state of the Private Link connection its target depends on,
 * so "DOWN" explains itself ("the provider has not approved it yet", "it was rejected").
 * Strictly best effort: when ARM cannot be asked, the label is null and the probe verdict stands.
 */
import type { ArmGateway } from '../../arm/arm-gateway';
import { formatResourceId, tryParsePlsConnectionId } from '../../arm/resource-id';
import { isAppError } from '../../errors';
import type { Log } from '../../log';

/** Resolves a target's `dependsOn` to the connection status when it is NOT Approved; null otherwise. */
export type ConnectionStateLookup = (dependsOn: string) => Promise<string | null>;

/** The label used when the endpoint has no connection to any PLS (deleted, or never made). */
export const MISSING_CONNECTION = 'Missing';

export function lookupFromGateway(
  gateway: Pick<ArmGateway, 'readConnection' | 'getPrivateEndpointConnectionStatus'>,
  context: Log,
): ConnectionStateLookup {
  return async (dependsOn) => {
    try {
      // `dependsOn` is a PLS connection id (read from the provider side) or a private endpoint id.
      const connection = tryParsePlsConnectionId(dependsOn);
      const status =
        connection !== undefined
          ? (await gateway.readConnection(formatResourceId(connection.parent), connection.name)).status
          : await gateway.getPrivateEndpointConnectionStatus(dependsOn);
      if (status === undefined) return MISSING_CONNECTION;
      return status === 'Approved' ? null : status;
    } catch (error) {
      if (isAppError(error) && error.code === 'arm_not_found') return MISSING_CONNECTION;
      context.warn(
        JSON.stringify({
          event: 'probe.connectionState.unavailable',
          dependsOn,
          code: isAppError(error) ? error.code : 'unknown',
        }),
      );
      return null;
    }
  };
}

/**
 * What the consumer's private endpoint reaches (each connection's `privateLinkServiceId`), for the
 * guard in ../core/service-guard.ts; null when ARM could not be asked (logged, never secret).
 * An endpoint that is gone reaches nothing: [] (a mismatch, not an unknown).
 */
export type ServiceLookup = (privateEndpointId: string) => Promise<readonly string[] | null>;

export function serviceLookupFromGateway(
  gateway: Pick<ArmGateway, 'getPrivateEndpointServiceIds'>,
  context: Log,
): ServiceLookup {
  return async (privateEndpointId) => {
    try {
      return await gateway.getPrivateEndpointServiceIds(privateEndpointId);
    } catch (error) {
      if (isAppError(error) && error.code === 'arm_not_found') return [];
      context.warn(
        JSON.stringify({
          event: 'probe.serviceGuard.unavailable',
          dependsOn: privateEndpointId,
          code: isAppError(error) ? error.code : 'unknown',
        }),
      );
      return null;
    }
  };
}

/**
 * The lookup through the container's ARM gateway. Building the gateway can fail (no identity, bad
 * ARM_ENDPOINT on a probe-only app): that is logged and the probe goes on without labels.
 */
export async function connectionStateLookup(
  container: { armGateway(): Promise<ArmGateway> },
  context: Log,
): Promise<ConnectionStateLookup | null> {
  try {
    return lookupFromGateway(await container.armGateway(), context);
  } catch (error) {
    context.warn(
      JSON.stringify({
        event: 'probe.connectionState.unavailable',
        code: isAppError(error) ? error.code : 'unknown',
      }),
    );
    return null;
  }
}

/** The guard's lookup through the container's ARM gateway; null (logged) when the gateway cannot be built. */
export async function serviceGuardLookup(
  container: { armGateway(): Promise<ArmGateway> },
  context: Log,
): Promise<ServiceLookup | null> {
  try {
    return serviceLookupFromGateway(await container.armGateway(), context);
  } catch (error) {
    context.warn(
      JSON.stringify({
        event: 'probe.serviceGuard.unavailable',
        code: isAppError(error) ? error.code : 'unknown',
      }),
    );
    return null;
  }
}
