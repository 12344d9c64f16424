import { describe, expect, it } from 'vitest';
import {
  approvedByPerson,
  type ConnectionRecord,
} from '../../../../../shared/approval/core/connection-record';
import { recordEntity, recordFromRow } from '../../../../../shared/approval/storage/connection-record-rows';

const PLS =
  '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/pls-web';

const record = (actorKind: 'person' | 'policy' | undefined, status = 'Approved'): ConnectionRecord => ({
  plsId: PLS,
  connectionId: `${PLS}/privateEndpointConnections/pe-a.1`,
  connectionName: 'pe-a.1',
  status,
  privateEndpointId: undefined,
  privateEndpointLocation: undefined,
  consumerSubscriptionId: undefined,
  consumerTenantId: undefined,
  requestMessage: 'CHG1234567',
  firstSeenAt: '2026-10-01T08:00:00.000Z',
  changedAt: '2026-10-02T09:00:00.000Z',
  decision:
    actorKind === undefined
      ? undefined
      : {
          actorKind,
          actor: actorKind === 'person' ? 'ops@contoso.example' : 'policy',
          actorObjectId: actorKind === 'person' ? 'oid-1' : undefined,
          actorTenantId: undefined,
          at: '2026-10-02T09:00:00.000Z',
          action: 'approve',
          rule: actorKind === 'policy' ? 'trusted' : undefined,
          reason: 'ok',
          decisionId: 'd1',
        },
  verdict: undefined,
});

describe('approvedByPerson', () => {
  it('is true only for a connection Approved now whose record says a person decided it', () => {
    expect(approvedByPerson(record('person'), 'Approved')).toBe(true);
    expect(approvedByPerson(record('policy'), 'Approved')).toBe(false);
    expect(approvedByPerson(record(undefined), 'Approved')).toBe(false);
    expect(approvedByPerson(undefined, 'Approved')).toBe(false);
    // A person's approval someone revoked since (in the portal) no longer protects the connection.
    expect(approvedByPerson(record('person'), 'Rejected')).toBe(false);
  });
});

describe('the record row', () => {
  it('round-trips through its stored columns, reserved fields included', () => {
    const written = {
      ...record('person'),
      customer: 'northwind',
      linkId: '42',
      approvalEndsAt: '2027-01-01T00:00:00.000Z',
      expiryStage: 'reminded',
      expiryStageFor: '2027-01-01T00:00:00.000Z',
      firstApproval: {
        actor: 'Ada',
        actorObjectId: '0000aaaa-0000-4000-8000-000000000001',
        at: '2026-12-31T00:00:00.000Z',
        until: undefined,
      },
    };
    const row = recordEntity(PLS, written);
    expect(row.rowKey).toBe('~connection|pe-a.1');
    expect(recordFromRow(row)).toEqual(written);
  });

  it('clears a decision’s absent rule and reason, so a merge over an older decision leaves none behind', () => {
    const row = recordEntity(PLS, record('person'));
    expect(row.decisionRule).toBe('');
    expect(recordFromRow(row)?.decision?.rule).toBeUndefined();
  });

  it('is not trusted when a column has the wrong shape or a required one is missing', () => {
    const row = recordEntity(PLS, record('person'));
    expect(recordFromRow({ ...row, status: 42 })).toBeUndefined();
    const { firstSeenAt: _dropped, ...withoutFirstSeen } = row;
    expect(recordFromRow(withoutFirstSeen)).toBeUndefined();
    // A decision whose actor kind this version does not know is no decision: never "a person".
    expect(recordFromRow({ ...row, decisionActorKind: 'robot' })?.decision).toBeUndefined();
  });
});
