import type { ConnectionStatus, PrivateEndpointConnection } from '../../arm/arm-gateway';
import { consumerSubscriptionOf, plsNameOf, tryParsePrivateEndpointId } from '../../arm/resource-id';
import { type CodeReference, codeReference, maskCodes } from './onboarding-code';
import type { ConnectionFacts } from './policy/evaluate-policy';

/**
 * A connection as read from ARM at one moment, with what the product derives from it. The request
 * message lives in `description` only while the connection is Pending (a decision overwrites it),
 * so it is captured here and carried into every audit row.
 */
export interface CapturedConnection {
  readonly connection: PrivateEndpointConnection;
  readonly status: ConnectionStatus;
  readonly plsName: string;
  readonly privateEndpointName: string | undefined;
  readonly privateEndpointResourceGroup: string | undefined;
  readonly consumerSubscriptionId: string | undefined;
  readonly consumerTenantId: string | undefined;
  /** The request message with any onboarding code masked: what is stored, logged and shown. */
  readonly requestMessage: string | undefined;
  /**
   * The onboarding code the message carried, parsed (MAC included) while Pending, or the id its
   * mask kept afterwards. Held in memory only: never stored, logged or shown.
   */
  readonly codeReference: CodeReference;
}

export function captureConnection(
  connection: PrivateEndpointConnection,
  context: {
    readonly consumerTenantId: string | undefined;
    /** The message captured earlier (from the snapshot), used once ARM no longer holds it. */
    readonly earlierRequestMessage?: string | undefined;
  },
): CapturedConnection {
  const pe =
    connection.privateEndpointId === undefined
      ? undefined
      : tryParsePrivateEndpointId(connection.privateEndpointId);
  const message = connection.status === 'Pending' ? connection.description : context.earlierRequestMessage;
  return {
    connection,
    status: connection.status,
    plsName: plsNameOf(connection.plsId),
    privateEndpointName: pe?.name,
    privateEndpointResourceGroup: pe?.resourceGroup,
    consumerSubscriptionId: consumerSubscriptionOf(connection.privateEndpointId),
    consumerTenantId: context.consumerTenantId,
    requestMessage: message === undefined ? undefined : maskCodes(message),
    codeReference: codeReference(message),
  };
}

export function factsOf(capture: CapturedConnection): ConnectionFacts {
  return {
    plsId: capture.connection.plsId,
    plsName: capture.plsName,
    connectionName: capture.connection.name,
    status: capture.status,
    privateEndpointName: capture.privateEndpointName,
    privateEndpointResourceGroup: capture.privateEndpointResourceGroup,
    privateEndpointLocation: capture.connection.privateEndpointLocation,
    consumerSubscriptionId: capture.consumerSubscriptionId,
    consumerTenantId: capture.consumerTenantId,
    requestMessage: capture.requestMessage,
  };
}
