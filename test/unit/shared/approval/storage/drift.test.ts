import { describe, expect, it } from 'vitest';
import type { ConnectionRecord } from '../../../../../shared/approval/core/connection-record';
import { compareWithRecords } from '../../../../../shared/approval/storage/drift';
import type { PrivateEndpointConnection } from '../../../../../shared/arm/arm-gateway';
import { connectionKey } from '../../../../../shared/storage/table-keys';

const PLS =
  '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/p';
const listedAt = new Date('2026-01-01T10:00:00Z');

const connection = (name: string, status: string): PrivateEndpointConnection => ({
  id: `${PLS}/privateEndpointConnections/${name}`,
  name,
  plsId: PLS,
  privateEndpointId: undefined,
  privateEndpointLocation: undefined,
  status,
  description: undefined,
  actionsRequired: undefined,
  linkIdentifier: undefined,
  provisioningState: 'Succeeded',
  etag: undefined,
});

const snapshot = (name: string, status: string, changedAt: string): ConnectionRecord => ({
  plsId: PLS,
  connectionId: `${PLS}/privateEndpointConnections/${name}`,
  connectionName: name,
  status,
  privateEndpointId: undefined,
  privateEndpointLocation: undefined,
  consumerSubscriptionId: undefined,
  consumerTenantId: undefined,
  requestMessage: undefined,
  firstSeenAt: changedAt,
  changedAt,
  decision: undefined,
  verdict: undefined,
});

describe('compareWithRecords', () => {
  it('finds appeared, vanished and changed connections, matching names case-insensitively', () => {
    const before = new Map(
      [
        snapshot('Same.1', 'Pending', '2026-01-01T09:00:00Z'),
        snapshot('changed.2', 'Pending', '2026-01-01T09:00:00Z'),
        snapshot('gone.3', 'Approved', '2026-01-01T09:00:00Z'),
      ].map((s) => [connectionKey(s.connectionName), s]),
    );
    const result = compareWithRecords(
      PLS,
      [connection('same.1', 'Pending'), connection('changed.2', 'Approved'), connection('new.4', 'Pending')],
      before,
      listedAt,
    );
    expect(result.drift.map((d) => [d.kind, d.connectionName, d.statusBefore, d.statusAfter])).toEqual([
      ['changed', 'changed.2', 'Pending', 'Approved'],
      ['appeared', 'new.4', undefined, 'Pending'],
      ['vanished', 'gone.3', 'Approved', undefined],
    ]);
    expect(result.changed.map((c) => c.name)).toEqual(['changed.2', 'new.4']);
  });

  it('does not call a snapshot written after the list started drift (a concurrent decision of ours)', () => {
    const before = new Map([
      [connectionKey('c.1'), snapshot('c.1', 'Approved', '2026-01-01T10:00:01Z')],
      [connectionKey('d.2'), snapshot('d.2', 'Approved', '2026-01-01T10:00:01Z')],
    ]);
    const result = compareWithRecords(PLS, [connection('c.1', 'Pending')], before, listedAt);
    expect(result.drift).toEqual([]);
  });
});
