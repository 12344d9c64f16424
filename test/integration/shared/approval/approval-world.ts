import type { ArmEmulator } from '../../../../emulators/arm';
import type { Policy } from '../../../../shared/approval/core/policy/policy';
import type { ApprovalServices } from '../../../../shared/approval/use-cases/approval-services';
import type { Container } from '../../../../shared/composition-root';
import type { Log } from '../../../../shared/log';
import { guidOf, plsIdOf, privateEndpointIdOf } from '../../../helpers/arm-emulator';

/**
 * A provider with `plsCount` PLS and `perPls` Pending connections each, from consumers in a trusted
 * tenant, an untrusted tenant and a subscription whose tenant cannot be discovered; every fifth
 * request message lacks a change ticket. `expectedStatus` is the policy's answer, computed here
 * independently of the engine.
 */
export const TRUSTED_TENANT = 'aaaaaaaa-1111-4111-8111-000000000001';
export const OTHER_TENANT = 'bbbbbbbb-2222-4222-8222-000000000002';
export const TRUSTED_SUBS = [guidOf(1, 'c1'), guidOf(2, 'c1')];
export const OTHER_SUB = guidOf(3, 'c2');
export const UNKNOWN_SUB = guidOf(4, 'c3');
const SUBS = [...TRUSTED_SUBS, OTHER_SUB, UNKNOWN_SUB];

export const TEST_POLICY = `
version: 1
default: { action: manual }
rules:
  - name: require-ticket
    action: reject
    description: "Rejected: no change ticket in the request message"
    match: { not: { requestMessage: "CHG\\\\d{7}" } }
  - name: trusted
    action: approve
    match:
      consumerTenants: [${TRUSTED_TENANT}]
      requestMessage: "CHG\\\\d{7}"
`;

export interface SeededConnection {
  readonly plsId: string;
  readonly name: string;
  readonly subscription: string;
  readonly message: string;
  readonly expected: 'Approved' | 'Rejected' | 'Pending';
}

export function seedWorld(
  emulator: ArmEmulator,
  options: { readonly plsCount: number; readonly perPls: number; readonly prefix?: string },
): { plsIds: string[]; connections: SeededConnection[] } {
  const world = emulator.world;
  world.addSubscription(TRUSTED_SUBS[0] ?? '', TRUSTED_TENANT);
  world.addSubscription(TRUSTED_SUBS[1] ?? '', TRUSTED_TENANT);
  world.addSubscription(OTHER_SUB, OTHER_TENANT);
  const plsIds: string[] = [];
  const connections: SeededConnection[] = [];
  let n = 0;
  for (let p = 0; p < options.plsCount; p++) {
    const plsId = plsIdOf(`${options.prefix ?? 'pls'}-${p}`);
    world.addPrivateLinkService({ id: plsId });
    plsIds.push(plsId);
    for (let i = 0; i < options.perPls; i++, n++) {
      const subscription = SUBS[n % SUBS.length] ?? '';
      const hasTicket = n % 5 !== 0;
      const message = hasTicket
        ? `Please connect, change CHG${String(n).padStart(7, '0')}`
        : 'please let us in';
      const record = world.addConnection({
        plsId,
        privateEndpointId: privateEndpointIdOf(subscription, `pe-${n}`),
        requestMessage: message,
      });
      const expected = !hasTicket ? 'Rejected' : TRUSTED_SUBS.includes(subscription) ? 'Approved' : 'Pending';
      connections.push({ plsId, name: record.name, subscription, message, expected });
    }
  }
  return { plsIds, connections };
}

/** Successful PUTs per connection (lower-cased path without query), from the emulator's request log. */
export function successfulPuts(emulator: ArmEmulator): Map<string, number> {
  const counts = new Map<string, number>();
  for (const entry of emulator.requestLog.entries) {
    if (entry.kind !== 'connection.put' || entry.status < 200 || entry.status >= 300) continue;
    const path = (entry.path.split('?')[0] ?? '').toLowerCase();
    counts.set(path, (counts.get(path) ?? 0) + 1);
  }
  return counts;
}

export function connectionPath(plsId: string, name: string): string {
  return `${plsId}/privateEndpointConnections/${name}`.toLowerCase();
}

export async function servicesAndPolicy(
  container: Container,
): Promise<{ services: ApprovalServices; policy: Policy }> {
  return { services: await container.approvalServices(), policy: await container.approvalPolicy() };
}

/** A Log that keeps each structured line as the entry it was written from (lines are JSON), whatever its level. */
export function collectLog(): { entries: Record<string, unknown>[]; log: Log } {
  const entries: Record<string, unknown>[] = [];
  const keep = (line: unknown) => {
    entries.push(JSON.parse(String(line)) as Record<string, unknown>);
  };
  return { entries, log: { log: keep, info: keep, warn: keep, error: keep } };
}

/** A queue name of its own per test, so parallel test files never take each other's work items. */
export function uniqueQueueName(): string {
  return `rq-${Math.random().toString(36).slice(2, 12)}`;
}

/**
 * Plays the host's queue trigger: receives every visible work item and hands its text to the
 * `reconcileQueuedPls` definition, deleting it once handled (a failure leaves it for a retry),
 * until the queue is empty or `maxMessages` were handled.
 */
export async function drainReconcileQueue(
  container: Container,
  handle: (messageText: string) => Promise<void>,
  maxMessages = 100,
): Promise<number> {
  const queue = await container.queue(container.config.approval.reconcileQueueName);
  let handled = 0;
  while (handled < maxMessages) {
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 1 });
    const message = receivedMessageItems[0];
    if (message === undefined) return handled;
    await handle(message.messageText);
    await queue.deleteMessage(message.messageId, message.popReceipt);
    handled++;
  }
  return handled;
}
