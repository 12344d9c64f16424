import { describe, expect, it } from 'vitest';
import type { Condition } from '../../../../../shared/approval/core/policy/evaluate-policy';
import {
  conditionInWords,
  knownConditions,
  verdictInWords,
} from '../../../../../shared/approval/core/policy/verdict-words';
import { eventFromTransition, ownerSideOf } from '../../../../../shared/notify/core/event-builders';
import { factRows, headline, renderPayload } from '../../../../../shared/notify/core/payloads';
import type { ResultSummary, Transition } from '../../../../../shared/probe/core/target-state';

const PLS =
  '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-provider/providers/Microsoft.Network/privateLinkServices/pls-web';

const failed = (minute: number): ResultSummary => ({
  runId: `run-${minute}`,
  scheduledAt: `2026-12-01T03:0${minute}:00.000Z`,
  startedAt: `2026-12-01T03:0${minute}:00.150Z`,
  status: 'DOWN',
  failureClass: 'HTTP_STATUS',
  phase: 'assertions',
  code: 'HTTP_503',
  statusCode: 503,
  totalMs: 12,
  attempts: 1,
  reason: 'status 503 is not one of 200',
  connectionState: null,
});

/** UP → DOWN after three failures at 03:01, 03:02, 03:03 (evidence newest first), an UP before them. */
const DOWN: Transition = {
  from: 'UP',
  to: 'DOWN',
  at: '2026-12-01T03:03:00.150Z',
  runId: 'run-3',
  reason:
    '3 consecutive failure(s) (failureThreshold 3): DOWN: HTTP_STATUS in assertions (HTTP_503) (status 503 is not one of 200)',
  evidence: [failed(3), failed(2), failed(1), { ...failed(0), status: 'UP', failureClass: null }],
  connectionState: null,
  awaitedConnection: null,
};

const WHERE = {
  url: 'http://10.0.0.5/',
  expectedIp: '10.0.0.5',
  dependsOn: `${PLS}/privateEndpointConnections/pe-fabrikam-web.3c1d`,
};

describe('the probe.down a person reads at 3 a.m.', () => {
  const event = eventFromTransition('iis-fabrikam', 'pe-fabrikam-web', DOWN, WHERE);

  it('says where, since when, the connection state, the failing phase and the likely owner', () => {
    expect(event).not.toBeNull();
    if (event === null) return;
    const rows = Object.fromEntries(factRows(event).map((r) => [r.label, r.value]));
    expect(rows).toMatchObject({
      'Private Link Service': 'pls-web',
      Address: 'http://10.0.0.5/ (private endpoint IP 10.0.0.5)',
      Since: '2026-12-01T03:01:00.000Z',
      State: 'UP → DOWN',
      Failure: 'HTTP_STATUS (HTTP_503)',
      'Failing phase': 'assertions',
      'Probe saw': 'status 503 is not one of 200',
      'Connection state': 'Approved',
      'Likely owner': 'provider side (the service behind the Private Link Service)',
    });
  });

  it('names the target once and does not repeat the failure as a "Why"', () => {
    if (event === null) throw new Error('no event');
    const values = factRows(event).map((r) => r.value);
    expect(values.some((v) => v.includes('pe-fabrikam-web'))).toBe(false);
    expect(factRows(event).map((r) => r.label)).not.toContain('Why');
    expect(factRows(event).map((r) => r.label)).not.toContain('Target');
    expect(new Set(values).size).toBe(values.length);
    expect(headline(event)).toBe('Endpoint DOWN: pe-fabrikam-web');
    // The Slack payload holds every row (a section takes at most 10 fields) and the link.
    const slack = renderPayload('slack', event, {
      source: 's',
      dashboardUrl: 'https://gk.example.com/api/dashboard',
    });
    const fields = (slack.body.blocks as { fields?: unknown[] }[]).find(
      (b) => b.fields !== undefined,
    )?.fields;
    expect(fields).toHaveLength(factRows(event).length);
    expect(JSON.stringify(slack.body)).toContain('#target=iis-fabrikam');
  });

  it('keeps the rule trace and the raw facts for machines (CloudEvents data)', () => {
    if (event === null) throw new Error('no event');
    const data = renderPayload('generic', event, { source: 's', dashboardUrl: undefined }).body
      .data as Record<string, unknown>;
    expect(data).toMatchObject({ reason: DOWN.reason, ownerSide: 'provider', url: 'http://10.0.0.5/' });
  });

  it('owner side: name resolution is the consumer, the path is the network, answers are the provider', () => {
    expect(ownerSideOf('DNS', 'dns')).toBe('consumer');
    expect(ownerSideOf('DNS_MISMATCH', null)).toBe('consumer');
    expect(ownerSideOf('TCP_TIMEOUT', 'tcp')).toBe('network');
    expect(ownerSideOf('TCP_RESET', 'transfer')).toBe('network');
    expect(ownerSideOf('TCP_REFUSED', 'tcp')).toBe('provider');
    expect(ownerSideOf('TLS', 'tls')).toBe('provider');
    expect(ownerSideOf('DEADLINE', 'dns')).toBe('consumer');
    expect(ownerSideOf('DEADLINE', 'ttfb')).toBe('provider');
  });
});

describe('policy verdicts in words', () => {
  it('has words for every condition the evaluator can name', () => {
    // Both directions: a condition added to the evaluator must get words, and the words name no other.
    const evaluatorConditions: Record<Condition, true> = {
      consumerSubscriptions: true,
      consumerTenants: true,
      privateEndpointResourceGroup: true,
      privateEndpointName: true,
      requestMessage: true,
      privateEndpointLocation: true,
      privateLinkService: true,
      'not.consumerSubscriptions': true,
      'not.consumerTenants': true,
      'not.privateEndpointResourceGroup': true,
      'not.privateEndpointName': true,
      'not.requestMessage': true,
      'not.privateEndpointLocation': true,
      'not.privateLinkService': true,
      quota: true,
      onboardingCode: true,
    };
    expect([...knownConditions()].sort()).toEqual(Object.keys(evaluatorConditions).sort());
    for (const c of knownConditions()) expect(conditionInWords(c)).not.toBe(c);
    // An onboarding code's reason code is said in words, never as the code itself.
    expect(
      verdictInWords('no rule matched (saas-onboarding: onboardingCode code_expired); default is manual'),
    ).toBe(
      'No rule matched (rule saas-onboarding: the onboarding code has expired), so it waits for a person.',
    );
  });

  it('turns the rule trace into a sentence', () => {
    expect(
      verdictInWords(
        'no rule matched (require-ticket: not.requestMessage, trusted-tenant: consumerTenants); default is manual',
      ),
    ).toBe(
      "No rule matched (rule require-ticket: the request message matches the pattern it excludes; rule trusted-tenant: the consumer's tenant is not one it trusts), so it waits for a person.",
    );
    expect(verdictInWords('no rule matched; default is reject')).toBe(
      'No rule matched, so the default rejects it.',
    );
    expect(verdictInWords('rule trusted-tenant matched')).toBe('Rule trusted-tenant matched.');
    expect(verdictInWords('no rule matched (trusted-tenant: quota); default is manual')).toContain(
      'the consumer already has as many approved connections as it allows',
    );
    // A reason in no known shape (a person's own words) is left as it is.
    expect(verdictInWords('approved for the CHG0001234 migration')).toBe(
      'approved for the CHG0001234 migration',
    );
  });

  it('is what people read in a connection message; the trace stays in the data', () => {
    const reason = 'no rule matched (trusted-tenant: consumerTenants); default is manual';
    const event = {
      id: '0123456789abcdef0123456789abcdef',
      type: 'connection.pending' as const,
      at: '2026-12-01T09:00:00.000Z',
      subject: 'c',
      facts: { endpointName: 'pe-northwind-web', reason },
    };
    expect(factRows(event).find((r) => r.label === 'Why')?.value).toBe(
      "No rule matched (rule trusted-tenant: the consumer's tenant is not one it trusts), so it waits for a person.",
    );
    expect(
      (
        renderPayload('generic', event, { source: 's', dashboardUrl: undefined }).body.data as {
          reason: string;
        }
      ).reason,
    ).toBe(reason);
  });
});
