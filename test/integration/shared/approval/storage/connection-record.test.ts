import { describe, expect, it } from 'vitest';
import type { RecordPatch } from '../../../../../shared/approval/core/connection-record';
import { type AuditEntry, AuditStore, entryId } from '../../../../../shared/approval/storage/audit-store';
import { ConnectionRecordStore } from '../../../../../shared/approval/storage/connection-record-store';
import { connectionKey, plsKey } from '../../../../../shared/storage/table-keys';
import { testContainer } from '../../../../helpers/storage';

const PLS =
  '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/pls-web';
const NAME = 'pe-a.1';

function outcome(decisionId: string, at = new Date()): AuditEntry {
  return {
    kind: 'outcome',
    decisionId,
    at,
    plsId: PLS,
    connectionId: `${PLS}/privateEndpointConnections/${NAME}`,
    connectionName: NAME,
    privateEndpointId: undefined,
    consumerSubscriptionId: undefined,
    consumerTenantId: undefined,
    requestMessage: 'ticket CHG1234567',
    statusBefore: 'Pending',
    action: 'approve',
    rule: undefined,
    policyVersion: undefined,
    actor: { kind: 'person', name: 'ops@contoso.example', objectId: 'oid-1', tenantId: 'tid-1' },
    description: 'approved',
    reason: 'ticket checked',
    mode: 'enforce',
    trigger: 'api',
    correlationId: 'c1',
    result: 'succeeded',
    statusAfter: 'Approved',
  };
}

function decided(decisionId: string, extra: Partial<RecordPatch> = {}): RecordPatch {
  const at = new Date().toISOString();
  return {
    plsId: PLS,
    connectionId: `${PLS}/privateEndpointConnections/${NAME}`,
    connectionName: NAME,
    status: 'Approved',
    requestMessage: 'ticket CHG1234567',
    firstSeenAt: at,
    changedAt: at,
    decision: {
      actorKind: 'person',
      actor: 'ops@contoso.example',
      actorObjectId: 'oid-1',
      actorTenantId: 'tid-1',
      at,
      action: 'approve',
      rule: undefined,
      reason: 'ticket checked',
      decisionId,
    },
    ...extra,
  };
}

function stores(prefix: string) {
  const container = testContainer();
  const audit = () => container.table(`${prefix}Audit`);
  const legacy = () => container.table(`${prefix}Connections`);
  return {
    audit: new AuditStore(audit, () => container.table(`${prefix}AuditByTime`)),
    records: new ConnectionRecordStore(audit, legacy),
    /** A second instance: its own store, so its own "already migrated" memory. */
    otherInstance: () => new ConnectionRecordStore(audit, legacy),
    legacy,
  };
}

describe('the connection record and the outcome row', () => {
  it('land in one transaction: both are stored, the record readable by the API and reconciliation', async () => {
    const { audit, records } = stores('RecTogether');
    const row = outcome('d1');
    const failed = await audit.writeMany([row], new Map([[entryId(row), decided('d1')]]));
    expect(failed.size).toBe(0);
    expect((await audit.listByConnection(PLS, NAME)).map((e) => e.decisionId)).toEqual(['d1']);
    const record = await records.get(PLS, NAME);
    expect(record?.status).toBe('Approved');
    expect(record?.decision).toMatchObject({ actorKind: 'person', actorObjectId: 'oid-1', decisionId: 'd1' });
    // A record is not an audit row: the connection's history (a RowKey range) never includes it.
    expect(await audit.listByConnection(PLS, NAME)).toHaveLength(1);
  });

  it('land not at all when the record cannot be stored: the outcome row is not stored either', async () => {
    const { audit, records } = stores('RecNeither');
    const row = outcome('d2');
    // A string property holds at most 64 KiB (32K UTF-16 characters); this one makes the record,
    // and only the record, unstorable, so the transaction as a whole is refused.
    const tooLarge = decided('d2', { customer: 'x'.repeat(40_000) });
    const failed = await audit.writeMany([row], new Map([[entryId(row), tooLarge]]));
    expect(failed.has(entryId(row))).toBe(true);
    expect(await audit.listByConnection(PLS, NAME)).toEqual([]);
    expect(await records.get(PLS, NAME)).toBeUndefined();
  });

  it('a replayed transaction (its response lost) counts as stored: the row is there, so its record is', async () => {
    const { audit } = stores('RecReplay');
    const row = outcome('d3');
    const withRecord = new Map([[entryId(row), decided('d3')]]);
    expect((await audit.writeMany([row], withRecord)).size).toBe(0);
    expect((await audit.writeMany([row], withRecord)).size).toBe(0);
  });

  it('skips a stored row this version cannot read instead of trusting it', async () => {
    const { records } = stores('RecBadRow');
    await records.apply(PLS, [{ connectionName: NAME, status: 'Approved' }], []);
    expect(await records.listForPls(PLS)).toEqual(new Map());
  });
});

describe('migration of the Connections snapshot table', () => {
  it('turns a snapshot row of the old shape into a record on first read, and removes the old row', async () => {
    const { records, legacy, otherInstance } = stores('RecMigrate');
    // A row exactly as versions before the record wrote it (snapshot-store.ts, table Connections).
    await (await legacy()).createEntity({
      partitionKey: plsKey(PLS),
      rowKey: connectionKey(NAME),
      plsId: PLS,
      connectionId: `${PLS}/privateEndpointConnections/${NAME}`,
      connectionName: NAME,
      status: 'Approved',
      requestMessage: 'ticket CHG7654321',
      firstSeenAt: '2026-10-01T08:00:00.000Z',
      changedAt: '2026-10-02T09:00:00.000Z',
      lastDecisionActorKind: 'person',
      lastDecisionActor: 'ops@contoso.example',
      lastDecisionAt: '2026-10-02T09:00:00.000Z',
      lastDecisionRule: '',
      verdictKey: 'Pending|v1|manual|',
      verdictAction: 'manual',
      verdictRule: '',
      verdictReason: 'left for a person',
    });
    const read = (await records.listForPls(PLS)).get(connectionKey(NAME));
    expect(read).toMatchObject({
      status: 'Approved',
      requestMessage: 'ticket CHG7654321',
      firstSeenAt: '2026-10-01T08:00:00.000Z',
      decision: {
        actorKind: 'person',
        actor: 'ops@contoso.example',
        at: '2026-10-02T09:00:00.000Z',
        rule: undefined,
      },
      verdict: { key: 'Pending|v1|manual|', action: 'manual', reason: 'left for a person' },
    });
    const left: unknown[] = [];
    for await (const row of (await legacy()).listEntities()) left.push(row);
    expect(left).toEqual([]);
    // Stored as a record now: another instance reads it with the snapshot row gone.
    expect(await otherInstance().get(PLS, NAME)).toEqual(read);
  });

  it('keeps a record written since (a decision of this version) over the old snapshot row', async () => {
    const { audit, legacy, otherInstance } = stores('RecMigrateNewer');
    const row = outcome('d4');
    await audit.writeMany([row], new Map([[entryId(row), decided('d4')]]));
    await (await legacy()).createEntity({
      partitionKey: plsKey(PLS),
      rowKey: connectionKey(NAME),
      plsId: PLS,
      connectionId: `${PLS}/privateEndpointConnections/${NAME}`,
      connectionName: NAME,
      status: 'Pending',
      changedAt: '2026-10-02T09:00:00.000Z',
    });
    const read = await otherInstance().get(PLS, NAME);
    expect(read?.status).toBe('Approved');
    expect(read?.decision?.decisionId).toBe('d4');
  });
});
