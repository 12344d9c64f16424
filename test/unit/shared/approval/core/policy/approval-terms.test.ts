import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../../../../shared/approval/adapters/policy-loader';
import { dueExpiryStep, expiryDescription } from '../../../../../../shared/approval/core/expiry';
import {
  approvalTermsOf,
  evaluateConnectionPolicy,
} from '../../../../../../shared/approval/core/policy/evaluate-policy';
import { parseIsoDuration } from '../../../../../../shared/approval/core/policy/iso-duration';
import { eventFromAudit } from '../../../../../../shared/notify/core/event-builders';
import { appErrorOf } from '../../../../../helpers/app-errors';
import { counts, facts, NOW } from './policy-fixtures';

describe('approveFor: a strict ISO 8601 duration', () => {
  it('accepts weeks, days, hours, minutes and seconds', () => {
    expect(parseIsoDuration('P30D')).toMatchObject({ ok: true, ms: 30 * 86_400_000 });
    expect(parseIsoDuration('P1DT6H')).toMatchObject({ ok: true, ms: 30 * 3_600_000 });
    expect(parseIsoDuration('P2W')).toMatchObject({ ok: true, ms: 14 * 86_400_000 });
    expect(parseIsoDuration('PT90M')).toMatchObject({ ok: true, ms: 90 * 60_000 });
  });

  it('refuses what is not one, months and years (their length varies), fractions and empty parts', () => {
    for (const text of ['30d', 'P', 'PT', 'P1DT', 'P1M', 'P1Y', 'P1.5D', '-P1D', 'P1D ', 'PT1S', 'P4000D'])
      expect(parseIsoDuration(text).ok, text).toBe(false);
  });

  it('is a listed policy problem naming the field, with what to write instead', () => {
    const error = appErrorOf(() =>
      parsePolicy(
        'version: 1\ndefault: { action: manual }\nrules: [{ name: a, action: approve, approveFor: 1 month }]',
        'inline',
      ),
    );
    expect(error.code).toBe('policy_invalid');
    expect(error.issues).toEqual([
      expect.objectContaining({
        path: 'rules[0].approveFor',
        message: expect.stringMatching(/ISO 8601 duration.*P30D/),
      }),
    ]);
  });
});

describe('a rule’s terms in the verdict', () => {
  const policy = parsePolicy(
    'version: 1\ndefault: { action: manual }\ntwoPersonServices: [pls-two]\nrules:\n  - { name: term, action: approve, approveFor: P7D, match: { consumerTenants: [aaaaaaaa-0000-0000-0000-000000000001] } }\n  - { name: pair, action: manual, approvals: 2 }',
    'inline',
  );

  it('gives an approval its end from now', () => {
    const verdict = evaluateConnectionPolicy(policy, facts(), counts(), { now: NOW });
    expect(verdict).toMatchObject({ action: 'approve', approvalEndsAt: '2026-03-11T05:06:07.000Z' });
  });

  it('leaves a two-person service to people, but does not revoke it when already Approved', () => {
    const pending = evaluateConnectionPolicy(policy, facts({ plsName: 'pls-two' }), counts(), { now: NOW });
    expect(pending).toMatchObject({ action: 'manual', approvalsRequired: 2 });
    expect(pending.reason).toMatch(/service pls-two needs two approvals by different people/);
    const approved = evaluateConnectionPolicy(
      policy,
      facts({ plsName: 'pls-two', status: 'Approved' }),
      counts(),
      {
        now: NOW,
        ignoreQuota: true,
      },
    );
    expect(approved.action).toBe('approve');
  });

  it('tells a person’s approval which terms hold (the first matching rule, quotas aside)', () => {
    expect(approvalTermsOf(policy, facts())).toMatchObject({
      approvalsRequired: 1,
      approveForMs: 7 * 86_400_000,
    });
    expect(approvalTermsOf(policy, facts({ consumerTenantId: undefined }))).toMatchObject({
      approvalsRequired: 2,
      source: 'rule pair',
    });
  });
});

describe('the steps of an ending approval', () => {
  const timings = { reminderMs: 24 * 3_600_000, graceMs: 12 * 3_600_000, twoPersonMs: 1 };
  const record = (stage?: string, endsAt = '2026-03-05T05:06:07.000Z') =>
    ({
      plsId: 'p',
      connectionId: 'c',
      connectionName: 'n',
      status: 'Approved',
      privateEndpointId: undefined,
      privateEndpointLocation: undefined,
      consumerSubscriptionId: undefined,
      consumerTenantId: undefined,
      requestMessage: undefined,
      firstSeenAt: 'x',
      changedAt: 'x',
      decision: undefined,
      verdict: undefined,
      approvalEndsAt: endsAt,
      expiryStage: stage,
      expiryStageFor: stage === undefined ? undefined : endsAt,
    }) as const;
  const at = (hours: number) => new Date(NOW.getTime() + hours * 3_600_000);

  it('go in order, none skipped, and a stage of another end (a renewal) does not count', () => {
    expect(dueExpiryStep(record(), 'Approved', at(-1), timings, false)).toBeUndefined();
    expect(dueExpiryStep(record(), 'Approved', at(1), timings, false)?.step).toBe('expiry-reminder');
    // Late (an outage): the reminder still comes first.
    expect(dueExpiryStep(record(), 'Approved', at(100), timings, false)?.step).toBe('expiry-reminder');
    expect(dueExpiryStep(record('reminded'), 'Approved', at(23), timings, false)).toBeUndefined();
    expect(dueExpiryStep(record('reminded'), 'Approved', at(24), timings, false)?.step).toBe('expiry-notice');
    expect(dueExpiryStep(record('ended'), 'Approved', at(35), timings, false)).toBeUndefined();
    expect(dueExpiryStep(record('ended'), 'Approved', at(36), timings, false)?.step).toBe('expiry-removal');
    expect(dueExpiryStep(record('removed'), 'Approved', at(99), timings, false)).toBeUndefined();
    expect(
      dueExpiryStep({ ...record('ended'), expiryStageFor: 'older' }, 'Approved', at(36), timings, false)
        ?.step,
    ).toBe('expiry-reminder');
    expect(dueExpiryStep(record('ended'), 'Rejected', at(36), timings, false)).toBeUndefined();
    expect(dueExpiryStep(record('ended'), 'Approved', at(36), timings, true)?.step).toBe('expiry-reminder');
  });

  it('tell the consumer within ARM’s 140 characters', () => {
    for (const step of ['expiry-reminder', 'expiry-notice'] as const)
      expect(expiryDescription(step, '2026-12-31T23:59:59.999Z', 90 * 86_400_000).length).toBeLessThanOrEqual(
        140,
      );
  });

  it('notify connection.expiring from the reminder outcome only', () => {
    const row = {
      kind: 'outcome',
      decisionId: 'd1',
      at: NOW,
      plsId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/privateLinkServices/pls',
      connectionId: 'c',
      connectionName: 'n',
      privateEndpointId: undefined,
      consumerSubscriptionId: undefined,
      consumerTenantId: undefined,
      requestMessage: undefined,
      statusBefore: 'Approved',
      action: 'expiry-reminder',
      rule: undefined,
      policyVersion: undefined,
      actor: { kind: 'policy' },
      description: undefined,
      reason: 'ends',
      mode: 'enforce',
      trigger: 'timer',
      correlationId: 'x',
      result: 'succeeded',
      approvalEndsAt: '2026-03-05T05:06:07.000Z',
    } as const;
    expect(eventFromAudit(row)).toMatchObject({
      type: 'connection.expiring',
      facts: { approvalEndsAt: row.approvalEndsAt },
    });
    expect(eventFromAudit({ ...row, action: 'expiry-notice' })).toBeNull();
    expect(eventFromAudit({ ...row, action: 'first-approval' })).toBeNull();
    expect(eventFromAudit({ ...row, action: 'expiry-removal', statusAfter: 'Removed' })?.type).toBe(
      'connection.decided',
    );
  });
});
