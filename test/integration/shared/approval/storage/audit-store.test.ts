import { describe, expect, it } from 'vitest';
import { type AuditEntry, AuditStore } from '../../../../../shared/approval/storage/audit-store';
import { dayKey, legacyInvertedMillis } from '../../../../../shared/storage/table-keys';
import { testContainer } from '../../../../helpers/storage';

const PLS =
  '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/pls-web';

function entry(decisionId: string, at: Date): AuditEntry {
  return {
    kind: 'outcome',
    decisionId,
    at,
    plsId: PLS,
    connectionId: `${PLS}/privateEndpointConnections/pe-a.1`,
    connectionName: 'pe-a.1',
    privateEndpointId: undefined,
    consumerSubscriptionId: undefined,
    consumerTenantId: undefined,
    requestMessage: 'ticket CHG1',
    statusBefore: 'Pending',
    action: 'approve',
    rule: 'trusted',
    policyVersion: 'v1',
    actor: { kind: 'policy' },
    description: undefined,
    reason: 'trusted tenant',
    mode: 'enforce',
    trigger: 'timer',
    correlationId: 'c1',
    result: 'succeeded',
  };
}

describe('AuditStore by-time keys', () => {
  it('lists rows written with the legacy 13-digit keys after the newer tick-keyed rows, newest first', async () => {
    const container = testContainer();
    const byTime = () => container.table('DecisionsByTime');
    const store = new AuditStore(() => container.table('DecisionsByConnection'), byTime);
    const day = new Date('2026-11-30T00:00:00Z');
    const legacyAt = new Date('2026-11-30T08:00:00Z');
    // A row as the store wrote it before the key convention changed.
    await (await byTime()).createEntity({
      partitionKey: dayKey(legacyAt),
      rowKey: `${legacyInvertedMillis(legacyAt)}|legacy|outcome`,
      kind: 'outcome',
      decisionId: 'legacy',
      at: legacyAt.toISOString(),
      plsId: PLS,
      connectionId: `${PLS}/privateEndpointConnections/pe-a.1`,
      connectionName: 'pe-a.1',
      statusBefore: 'Pending',
      action: 'approve',
      actorKind: 'policy',
      actorName: 'policy',
      reason: 'old row',
      mode: 'enforce',
      trigger: 'timer',
      correlationId: 'c0',
      result: 'succeeded',
    });
    await store.write(entry('newer', new Date('2026-11-30T09:00:00Z')));
    await store.write(entry('newest', new Date('2026-11-30T10:00:00Z')));
    await store.write(entry('outside', new Date('2026-11-30T12:00:00Z')));

    const listed = await store.listByTime(day, new Date('2026-11-30T11:00:00Z'));

    expect(listed.map((e) => e.decisionId)).toEqual(['newest', 'newer', 'legacy']);
  });
});
