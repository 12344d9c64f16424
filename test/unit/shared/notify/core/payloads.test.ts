import { describe, expect, it } from 'vitest';
import type { AuditedConnection } from '../../../../../shared/approval/core/audit-entry';
import {
  eventFromAudit,
  eventFromDrift,
  eventFromExposure,
  eventFromTransition,
  reminderEvent,
  reminderPeriod,
} from '../../../../../shared/notify/core/event-builders';
import type { NotifyEvent } from '../../../../../shared/notify/core/notify-events';
import { retryDelaySeconds } from '../../../../../shared/notify/core/outbox-rows';
import { renderPayload } from '../../../../../shared/notify/core/payloads';
import type { Transition } from '../../../../../shared/probe/core/target-state';

const PLS =
  '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-provider/providers/Microsoft.Network/privateLinkServices/pls-web';
const PE =
  '/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-northwind/providers/Microsoft.Network/privateEndpoints/pe-northwind-web';

/** The connection every builder test is about, with no consumer facts captured. */
const CONNECTION: AuditedConnection = {
  plsId: PLS,
  connectionId: 'id',
  connectionName: 'c',
  privateEndpointId: PE,
  consumerSubscriptionId: undefined,
  consumerTenantId: undefined,
  requestMessage: undefined,
};

const PENDING: NotifyEvent = {
  id: '0123456789abcdef0123456789abcdef',
  type: 'connection.pending',
  at: '2026-12-01T09:00:00.000Z',
  subject: `${PLS}/privateEndpointConnections/pe-northwind-web.1a2b`,
  facts: {
    plsId: PLS,
    plsName: 'pls-web',
    connectionName: 'pe-northwind-web.1a2b',
    endpointName: 'pe-northwind-web',
    privateEndpointId: PE,
    consumerSubscriptionId: '22222222-2222-2222-2222-222222222222',
    consumerTenantId: 'bbbbbbbb-2222-4222-8222-000000000002',
    requestMessage: 'Northwind web <CHG0001234> & more',
    reason: 'no rule matched; default is manual',
    statusBefore: 'Pending',
  },
};
const OPTIONS = {
  source: '/private-link-gatekeeper/func-provider',
  dashboardUrl: 'https://gk.example.com/api/dashboard',
};

describe('payloads', () => {
  it('teams: a Workflows message with one Adaptive Card carrying the facts and an OpenUrl action', () => {
    const { body, contentType } = renderPayload('teams', PENDING, OPTIONS);
    expect(contentType).toBe('application/json');
    expect(body).toMatchObject({
      type: 'message',
      attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null }],
    });
    const card = (body.attachments as { content: Record<string, unknown> }[])[0]?.content as {
      type: string;
      version: string;
      body: { type: string; facts?: { title: string; value: string }[] }[];
      actions: { type: string; url: string }[];
    };
    expect(card.type).toBe('AdaptiveCard');
    const facts = Object.fromEntries(
      card.body.find((b) => b.type === 'FactSet')?.facts?.map((f) => [f.title, f.value]) ?? [],
    );
    expect(facts).toMatchObject({
      'Private Link Service': 'pls-web',
      Endpoint: 'pe-northwind-web',
      'Consumer subscription': '22222222-2222-2222-2222-222222222222',
      'Consumer tenant': 'bbbbbbbb-2222-4222-8222-000000000002',
      'Request message': 'Northwind web <CHG0001234> & more',
      Why: 'No rule matched, so it waits for a person.',
    });
    expect(card.actions[0]?.type).toBe('Action.OpenUrl');
    expect(card.actions[0]?.url).toBe(
      `https://gk.example.com/api/dashboard#connection=${encodeURIComponent(PENDING.subject)}`,
    );
    expect(
      JSON.stringify(renderPayload('teams', PENDING, { ...OPTIONS, dashboardUrl: undefined }).body),
    ).not.toContain('Action.OpenUrl');
  });

  it('slack: text fallback and Block Kit blocks, mrkdwn escaped', () => {
    const { body } = renderPayload('slack', PENDING, OPTIONS);
    const blocks = body.blocks as { type: string; fields?: { text: string }[] }[];
    expect(typeof body.text).toBe('string');
    expect(blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context', 'actions']);
    const fields = blocks[2]?.fields?.map((f) => f.text).join('\n') ?? '';
    expect(fields).toContain('Northwind web &lt;CHG0001234&gt; &amp; more');
    expect(fields.length).toBeGreaterThan(0);
    expect(blocks[2]?.fields?.length).toBeLessThanOrEqual(10);
  });

  it('generic: a CloudEvents 1.0 structured event', () => {
    const { body, contentType } = renderPayload('generic', PENDING, OPTIONS);
    expect(contentType).toMatch(/^application\/cloudevents\+json/);
    expect(body).toMatchObject({
      specversion: '1.0',
      id: PENDING.id,
      type: 'connection.pending',
      source: '/private-link-gatekeeper/func-provider',
      subject: PENDING.subject,
      time: PENDING.at,
      datacontenttype: 'application/json',
      data: {
        requestMessage: 'Northwind web <CHG0001234> & more',
        consumerTenantId: 'bbbbbbbb-2222-4222-8222-000000000002',
      },
    });
  });
});

describe('events from their causes', () => {
  const transition = (
    from: Transition['from'],
    to: Transition['to'],
    connection: Pick<Transition, 'connectionState' | 'awaitedConnection'> = {
      connectionState: null,
      awaitedConnection: null,
    },
  ): Transition => ({
    from,
    to,
    at: '2026-12-01T10:00:00.000Z',
    runId: 'run-1',
    reason: 'r',
    evidence: [],
    ...connection,
  });

  it('a DOWN the connection explains pages nobody, and neither does the UP that follows approval', () => {
    const pending = { connectionState: 'Pending', awaitedConnection: null };
    expect(eventFromTransition('t', 'T', transition('UNKNOWN', 'DOWN', pending))).toBeNull();
    expect(
      eventFromTransition('t', 'T', transition('UP', 'DOWN', { ...pending, connectionState: 'Rejected' })),
    ).toBeNull();
    const approved = { connectionState: null, awaitedConnection: 'Pending' };
    expect(eventFromTransition('t', 'T', transition('DOWN', 'UP', approved))).toBeNull();
    // Approved and still failing: the service's DOWN now, and news.
    expect(eventFromTransition('t', 'T', transition('DOWN', 'DOWN', approved))?.type).toBe('probe.down');
    expect(eventFromTransition('t', 'T', transition('DOWN', 'DEGRADED', approved))?.type).toBe(
      'probe.degraded',
    );
  });

  it('probe transitions: DOWN, DEGRADED and recovery are news; the first UP is not', () => {
    expect(eventFromTransition('t', 'T', transition('UNKNOWN', 'UP'))).toBeNull();
    expect(eventFromTransition('t', 'T', transition('UP', 'DOWN'))?.type).toBe('probe.down');
    expect(eventFromTransition('t', 'T', transition('UNKNOWN', 'DOWN'))?.type).toBe('probe.down');
    expect(eventFromTransition('t', 'T', transition('UP', 'DEGRADED'))?.type).toBe('probe.degraded');
    expect(eventFromTransition('t', 'T', transition('DOWN', 'UP'))?.type).toBe('probe.up');
    // The same transition written twice (a replayed run) is the same event.
    expect(eventFromTransition('t', 'T', transition('UP', 'DOWN'))?.id).toBe(
      eventFromTransition('t', 'T', transition('UP', 'DOWN'))?.id,
    );
  });

  it('drift: a connection appearing Pending is told by connection.pending, anything else as drift', () => {
    const d = {
      plsId: PLS,
      connectionName: 'c',
      connectionId: 'id',
      statusBefore: undefined,
      at: new Date(),
    };
    expect(eventFromDrift({ ...d, kind: 'appeared', statusAfter: 'Pending' })).toBeNull();
    expect(eventFromDrift({ ...d, kind: 'appeared', statusAfter: 'Approved' })?.type).toBe(
      'connection.drift',
    );
    expect(eventFromDrift({ ...d, kind: 'vanished', statusAfter: undefined })?.facts.driftKind).toBe(
      'vanished',
    );
  });

  it('audit: a manual verdict is pending, a landed or dry-run decision is decided, other outcomes are silent', () => {
    const base = {
      decisionId: 'd',
      at: new Date(),
      ...CONNECTION,
      statusBefore: 'Pending',
      rule: 'r',
      policyVersion: 'v',
      actor: { kind: 'person' as const, name: 'ada@contoso.com', objectId: 'o', tenantId: undefined },
      description: undefined,
      reason: 'ok',
      mode: 'enforce' as const,
      trigger: 'api' as const,
      correlationId: 'c',
    };
    const pending = eventFromAudit({ ...base, kind: 'verdict', action: 'manual', result: 'manual' });
    expect(pending?.type).toBe('connection.pending');
    // Another manual verdict for the same connection (another run, rule or reason) is the same event.
    const again = eventFromAudit({
      ...base,
      decisionId: 'd2',
      rule: 'other',
      reason: 'tenant lookup throttled',
      kind: 'verdict',
      action: 'manual',
      result: 'manual',
    });
    expect(again?.id).toBe(pending?.id);
    const elsewhere = eventFromAudit({
      ...base,
      connectionId: `${base.connectionId}-2`,
      kind: 'verdict',
      action: 'manual',
      result: 'manual',
    });
    expect(elsewhere?.id).not.toBe(pending?.id);
    expect(eventFromAudit({ ...base, kind: 'intent', action: 'approve' })).toBeNull();
    const decided = eventFromAudit({
      ...base,
      kind: 'outcome',
      action: 'approve',
      result: 'succeeded',
      statusAfter: 'Approved',
    });
    expect(decided).toMatchObject({
      type: 'connection.decided',
      facts: { actor: 'ada@contoso.com', rule: 'r', statusAfter: 'Approved' },
    });
    expect(eventFromAudit({ ...base, kind: 'outcome', action: 'approve', result: 'skipped' })).toBeNull();
  });

  it('the customer a code bound the connection to goes into the event and every message, as inert text', () => {
    const decided = eventFromAudit({
      decisionId: 'd',
      at: new Date(),
      ...CONNECTION,
      statusBefore: 'Pending',
      rule: 'saas-onboarding',
      policyVersion: 'v',
      actor: { kind: 'policy' },
      description: undefined,
      reason: 'rule saas-onboarding matched',
      mode: 'enforce',
      trigger: 'timer',
      correlationId: 'c',
      kind: 'outcome',
      action: 'approve',
      result: 'succeeded',
      statusAfter: 'Approved',
      customer: 'Adatum <b>Corp</b>',
    });
    expect(decided?.facts.customer).toBe('Adatum <b>Corp</b>');
    const event = decided as NotifyEvent;
    for (const kind of ['teams', 'slack', 'generic'] as const)
      expect(JSON.stringify(renderPayload(kind, event, OPTIONS).body)).toContain('Adatum');
    expect(JSON.stringify(renderPayload('slack', event, OPTIONS).body)).not.toContain('<b>');
  });

  it('reminders: one per period, the period named in the id', () => {
    const since = new Date('2026-12-01T00:00:00Z');
    expect(reminderPeriod(since, new Date('2026-12-01T23:59:00Z'), 24)).toBe(0);
    expect(reminderPeriod(since, new Date('2026-12-02T00:00:00Z'), 24)).toBe(1);
    expect(reminderPeriod(since, new Date('2026-12-03T01:00:00Z'), 24)).toBe(2);
    const c = {
      ...CONNECTION,
      reason: undefined,
      rule: undefined,
      since,
    };
    expect(reminderEvent(c, 1, 24).id).not.toBe(reminderEvent(c, 2, 24).id);
    expect(reminderEvent(c, 2, 24).facts.pendingHours).toBe(48);
  });

  it('backoff doubles from the base, is capped at an hour, and honours a longer Retry-After', () => {
    expect([1, 2, 3, 4].map((n) => retryDelaySeconds(n, 30, 0))).toEqual([30, 60, 120, 240]);
    expect(retryDelaySeconds(20, 30, 0)).toBe(3600);
    expect(retryDelaySeconds(1, 30, 1)).toBe(36);
    expect(retryDelaySeconds(1, 30, 0, 90)).toBe(90);
  });

  it('exposure: the setting, its value, what the policy expects and the fix, in all three formats; one id per announcement', () => {
    const finding = {
      key: 'accessMode',
      setting: 'accessMode' as const,
      problem:
        'accessMode is Default (not Restricted) while the policy approves only a closed set of consumers',
      fix: 'set accessMode to Restricted: az resource update --set properties.accessMode=Restricted',
      current: 'Default',
      expected: 'Restricted',
    };
    const at = new Date('2026-12-01T09:00:00.000Z');
    const event = eventFromExposure({ kind: 'contradiction', plsId: PLS, finding, at });
    expect(event).toMatchObject({ type: 'exposure.contradiction', subject: PLS });
    expect(eventFromExposure({ kind: 'contradiction', plsId: PLS, finding, at }).id).toBe(event.id);
    expect(
      eventFromExposure({ kind: 'contradiction', plsId: PLS, finding, at: new Date(at.getTime() + 1) }).id,
    ).not.toBe(event.id);
    const options = { source: 'gk', dashboardUrl: undefined };
    const teams = JSON.stringify(renderPayload('teams', event, options).body);
    const slack = JSON.stringify(renderPayload('slack', event, options).body);
    for (const text of [teams, slack]) {
      for (const fact of [
        'pls-web',
        'accessMode',
        'Default',
        'Restricted',
        'properties.accessMode=Restricted',
      ])
        expect(text).toContain(fact);
    }
    expect(renderPayload('generic', event, options).body).toMatchObject({
      type: 'exposure.contradiction',
      data: { setting: 'accessMode', currentValue: 'Default', expected: 'Restricted', fix: finding.fix },
    });
    const resolved = eventFromExposure({ kind: 'resolved', plsId: PLS, finding, at });
    expect(resolved.type).toBe('exposure.resolved');
    expect(resolved.facts.fix).toBeUndefined();
  });
});
