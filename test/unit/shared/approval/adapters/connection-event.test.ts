import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { callerOf, parseConnectionEvent } from '../../../../../shared/approval/adapters/connection-event';

const FIXTURES = join(__dirname, '../../../../fixtures/events');
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
const PLS =
  '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-provider/providers/Microsoft.Network/privateLinkServices/pls-web';

describe('parseConnectionEvent', () => {
  const accepted: [string, string | undefined, string | undefined][] = [
    [
      'resource-write-success.connection.eventgrid.json',
      'pe-app.6f0e5bc1-8a4f-4c0e-9d1b-2f3a4b5c6d7e',
      'Microsoft.Network/privateLinkServices/privateEndpointConnections/write',
    ],
    [
      'resource-write-success.connection.cloudevent.json',
      'pe-app.6f0e5bc1-8a4f-4c0e-9d1b-2f3a4b5c6d7e',
      'Microsoft.Network/privateLinkServices/privateEndpointConnections/write',
    ],
    ['resource-write-success.pls.eventgrid.json', undefined, 'Microsoft.Network/privateLinkServices/write'],
    [
      'resource-delete-success.connection.eventgrid.json',
      'pe-app.6f0e5bc1-8a4f-4c0e-9d1b-2f3a4b5c6d7e',
      'Microsoft.Network/privateLinkServices/privateEndpointConnections/delete',
    ],
    [
      'resource-delete-success.connection.cloudevent.json',
      'pe-app.6f0e5bc1-8a4f-4c0e-9d1b-2f3a4b5c6d7e',
      'Microsoft.Network/privateLinkServices/privateEndpointConnections/delete',
    ],
    ['arn-created-or-updated.pls.eventgrid.json', undefined, undefined],
    ['arn-created-or-updated.pls.cloudevent.json', undefined, undefined],
  ];
  for (const [name, connectionName, operationName] of accepted) {
    it(`accepts ${name} and extracts only the PLS id`, async () => {
      const parsed = await parseConnectionEvent(fixture(name));
      expect(parsed).toMatchObject({ kind: 'accepted', plsId: PLS, connectionName, operationName });
    });
  }

  it('reads the caller appid from resource events (to recognise our own writes)', async () => {
    const parsed = await parseConnectionEvent(fixture('resource-write-success.connection.eventgrid.json'));
    expect(parsed).toMatchObject({
      caller: { kind: 'application', appId: '5e1c2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f' },
    });
    const arn = await parseConnectionEvent(fixture('arn-created-or-updated.pls.eventgrid.json'));
    expect(arn).toMatchObject({ caller: { kind: 'none' } });
  });

  it('a claims value it cannot read leaves the event accepted, with an unidentified caller (never malformed)', async () => {
    const event = fixture('resource-write-success.connection.eventgrid.json');
    const data = event.data as Record<string, unknown>;
    for (const claims of ['{azure_resource_manager_claims}', 42, ['x']]) {
      const parsed = await parseConnectionEvent({ ...event, data: { ...data, claims } });
      expect(parsed).toMatchObject({ kind: 'accepted', caller: { kind: 'unidentified' } });
    }
  });

  it('accepts an Event Grid event the host handed over without topic/metadataVersion and with a Date time', async () => {
    const { topic: _t, metadataVersion: _m, ...rest } = fixture('resource-write-success.pls.eventgrid.json');
    const parsed = await parseConnectionEvent({ ...rest, eventTime: new Date('2026-01-01T00:00:00Z') });
    expect(parsed.kind).toBe('accepted');
  });

  it('matches event types and operations case-insensitively (ARM is not consistent about casing)', async () => {
    const event = fixture('resource-write-success.pls.eventgrid.json');
    const data = event.data as Record<string, unknown>;
    const parsed = await parseConnectionEvent({
      ...event,
      eventType: 'microsoft.resources.resourcewritesuccess',
      data: {
        ...data,
        operationName: 'MICROSOFT.NETWORK/PRIVATELINKSERVICES/WRITE',
        resourceUri: PLS.toLowerCase(),
      },
    });
    expect(parsed).toMatchObject({ kind: 'accepted', plsId: PLS.toLowerCase() });
  });

  it('ignores other kinds of events and operations on other resources', async () => {
    expect(await parseConnectionEvent(fixture('resource-write-success.vm.eventgrid.json'))).toMatchObject({
      kind: 'ignored',
      reason: expect.stringContaining('does not concern a Private Link Service'),
    });
    expect(await parseConnectionEvent(fixture('blob-created.eventgrid.json'))).toMatchObject({
      kind: 'ignored',
      reason: expect.stringContaining('Microsoft.Storage.BlobCreated'),
    });
  });

  it('reports malformed events with where the problem is', async () => {
    for (const name of ['malformed.no-event-type.json', 'malformed.cloudevent-wrong-spec.json']) {
      expect(await parseConnectionEvent(fixture(name))).toMatchObject({
        kind: 'malformed',
        issues: [{ path: '(event)' }],
      });
    }
    expect(await parseConnectionEvent(fixture('malformed.pls-write-without-resource.json'))).toMatchObject({
      kind: 'malformed',
      issues: [{ path: 'data.resourceUri' }],
    });
    for (const junk of [null, 'text', 42, [], [fixture('resource-write-success.pls.eventgrid.json')]]) {
      expect((await parseConnectionEvent(junk)).kind).toBe('malformed');
    }
  });
});

describe('callerOf (who made a change, from the event claims)', () => {
  const APP = '5e1c2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
  it('names the application of a v1 (`appid`) or v2 (`azp`) token, lower-cased', () => {
    expect(callerOf({ appid: APP.toUpperCase(), ver: '1.0' })).toEqual({ kind: 'application', appId: APP });
    expect(callerOf({ azp: APP, ver: '2.0' })).toEqual({ kind: 'application', appId: APP });
    expect(callerOf({ appid: APP, azp: APP.toUpperCase() })).toEqual({ kind: 'application', appId: APP });
  });

  it('no claims (absent, null, an empty map) names no caller', () => {
    expect(callerOf(undefined)).toEqual({ kind: 'none' });
    expect(callerOf(null)).toEqual({ kind: 'none' });
    expect(callerOf({})).toEqual({ kind: 'none' });
  });

  it('anything else that is not one readable application id is unidentified, never none', () => {
    for (const claims of [
      'claims',
      7,
      [APP],
      { appid: 7 },
      { appid: '' },
      { appid: 'portal' },
      { oid: APP },
      { appid: APP, azp: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c' },
      { appid: APP, azp: null },
    ]) {
      expect(callerOf(claims), JSON.stringify(claims)).toEqual({ kind: 'unidentified' });
    }
  });
});
