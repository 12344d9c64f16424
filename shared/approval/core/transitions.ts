import type { ConnectionStatus } from '../../arm/arm-gateway';

export type DecisionAction = 'approve' | 'reject';
export type TargetStatus = 'Approved' | 'Rejected';

export function targetStatusOf(action: DecisionAction): TargetStatus {
  return action === 'approve' ? 'Approved' : 'Rejected';
}

/**
 * The provider-side transitions ARM allows. Rejected → Approved is not one of them: ARM refuses it,
 * and the consumer must delete and recreate the private endpoint to ask again.
 */
export function transitionRefusal(from: ConnectionStatus, to: TargetStatus): string | undefined {
  if (from === 'Pending') return undefined;
  if (from === 'Approved' && to === 'Rejected') return undefined;
  if (from === 'Rejected' && to === 'Approved') {
    return 'a Rejected connection cannot be approved (ARM does not allow Rejected → Approved); the consumer must recreate the private endpoint to ask again';
  }
  if (from === 'Disconnected') return 'the connection is Disconnected; there is nothing left to decide';
  return `a connection cannot go from ${from} to ${to}`;
}
