import { describe, expect, it } from 'vitest';
import { labLogger } from '../../../../scripts/lab/lab-logger';
import {
  describeAvailability,
  describeDecision,
  describeProbeChange,
  endpointOf,
  narrator,
  watchAvailability,
  watchProblems,
} from '../../../../scripts/lab/narrative';
import { RecordingLogger } from '../../../../scripts/local-host/invocation-logger';

const row = {
  kind: 'outcome',
  decisionId: 'd1',
  connectionName: 'pe-fabrikam-web.3c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e01',
  action: 'approve',
  rule: 'trusted-tenant',
  actor: { kind: 'policy', name: 'policy' },
  reason: 'matched',
  trigger: 'timer',
  result: 'succeeded',
  statusAfter: 'Approved',
  errorCode: null,
};

describe('lab narrative', () => {
  it('prefixes lines with the seconds since start', () => {
    const lines: string[] = [];
    narrator((t) => lines.push(t), Date.now() - 12_400).say('hello');
    expect(lines).toEqual(['[lab + 12s] hello\n']);
  });

  it('tells the steps of an ending approval and a first of two approvals, never as a rejection', () => {
    const policy = { ...row, rule: null };
    expect(describeDecision({ ...policy, action: 'expiry-reminder' })).toMatch(
      /^pe-fabrikam-web: its approval ends soon/,
    );
    expect(describeDecision({ ...policy, action: 'expiry-notice' })).toMatch(
      /approval ended: "Access ended …"/,
    );
    expect(describeDecision({ ...policy, action: 'expiry-removal' })).toMatch(
      /removed after its approval ended/,
    );
    expect(describeDecision({ ...policy, action: 'expiry-removal', result: 'skipped' })).toBeUndefined();
    const ada = { ...row, rule: null, actor: { kind: 'person', name: 'Ada' }, action: 'first-approval' };
    expect(describeDecision(ada)).toBe(
      'pe-fabrikam-web: first approval by Ada (1 of 2), nothing written to ARM',
    );
  });

  it('names the endpoint, the rule or person, and the trigger of a decision', () => {
    expect(endpointOf(row.connectionName)).toBe('pe-fabrikam-web');
    expect(endpointOf('plain-name')).toBe('plain-name');
    expect(describeDecision(row)).toBe(
      'pe-fabrikam-web: approved by policy rule trusted-tenant, via reconciliation',
    );
    expect(describeDecision({ ...row, trigger: 'event', action: 'reject', rule: 'require-ticket' })).toBe(
      'pe-fabrikam-web: rejected by policy rule require-ticket, via Event Grid event',
    );
    expect(
      describeDecision({
        ...row,
        actor: { kind: 'person', name: 'local-developer' },
        trigger: 'api',
        reason: 'checked',
      }),
    ).toBe('pe-fabrikam-web: approved by local-developer ("checked")');
    expect(describeDecision({ ...row, kind: 'verdict', action: 'manual', rule: null })).toBe(
      'pe-fabrikam-web: left Pending for a person by policy (default), via reconciliation',
    );
    expect(describeDecision({ ...row, result: 'failed', errorCode: 'arm_throttled' })).toContain(
      'failed (arm_throttled)',
    );
    expect(describeDecision({ ...row, kind: 'intent', result: null })).toBeUndefined();
  });

  it('tells a refused approval of a Rejected connection as refused, never as approved with a default reason', () => {
    const person = { ...row, actor: { kind: 'person', name: 'local-developer' }, trigger: 'api' };
    const refused = describeDecision({
      ...person,
      result: 'refused',
      statusAfter: 'Rejected',
      reason: 'approved by a person (no reason given)',
    });
    expect(refused).toBe(
      'pe-fabrikam-web: approve by local-developer refused: the connection is Rejected (final; the consumer must recreate the endpoint)',
    );
    expect(refused).not.toContain('no reason given');
    for (const reason of ['', 'approved by a person (no reason given)'])
      expect(describeDecision({ ...person, reason })).toBe(
        'pe-fabrikam-web: approved by local-developer (no reason given)',
      );
  });

  it('tells a feature problem once when it appears, with its first issue, and once when it is fixed', async () => {
    const lines: string[] = [];
    let body: Record<string, unknown> = {
      approval: {
        state: 'invalid',
        problem: {
          message: 'the approval policy is invalid',
          issues: [{ path: 'default.action', message: 'expected manual or reject' }],
          issueCount: 3,
        },
      },
      probe: { state: 'on' },
    };
    const watcher = watchProblems(
      async () => body,
      (t) => lines.push(t),
      5,
    );
    await new Promise((r) => setTimeout(r, 40));
    body = { approval: { state: 'on' }, probe: { state: 'on' } };
    await new Promise((r) => setTimeout(r, 40));
    await watcher.stop();
    expect(lines).toEqual([
      'PROBLEM approval: the approval policy is invalid; first: default.action: expected manual or reject (3 in all; GET /api/health lists them)',
      'fixed: approval works again',
    ]);
  });

  it('tells a failing reconciliation as a problem of its own, and when it works again', async () => {
    const lines: string[] = [];
    const failing = {
      message: 'the last reconciliation failed: 1 of 2 PLS (arm_unavailable)',
      issues: [{ path: 'pls-web', message: 'arm_unavailable' }],
      issueCount: 1,
    };
    let body: Record<string, unknown> = { approval: { state: 'on', reconciliation: { problem: failing } } };
    const watcher = watchProblems(
      async () => body,
      (t) => lines.push(t),
      5,
    );
    await new Promise((r) => setTimeout(r, 40));
    body = { approval: { state: 'on', reconciliation: {} } };
    await new Promise((r) => setTimeout(r, 40));
    await watcher.stop();
    expect(lines).toEqual([
      'PROBLEM approval reconciliation: the last reconciliation failed: 1 of 2 PLS (arm_unavailable); first: pls-web: arm_unavailable (1 in all; GET /api/health lists them)',
      'fixed: approval reconciliation works again',
    ]);
  });

  it('calls a drop to DOWN of a working endpoint an incident, and says why a probe is down', () => {
    const down = {
      id: 'pe-a',
      state: 'DOWN',
      lastResult: { class: 'TCP_RESET', connectionState: null, reason: null },
    };
    expect(describeProbeChange(down, 'UP')).toBe('INCIDENT probe pe-a: UP → DOWN (TCP_RESET)');
    expect(
      describeProbeChange(
        { ...down, lastResult: { class: 'TCP_RESET', connectionState: 'Rejected', reason: null } },
        'UP',
      ),
    ).toBe('probe pe-a: UP → DOWN (TCP_RESET, connection Rejected)');
    expect(describeProbeChange({ ...down, state: 'UP' }, 'DOWN')).toBe(
      'probe pe-a: DOWN → UP (IIS answers through the private endpoint)',
    );
  });

  it('hides successful invocations and the probe’s state-change warnings while the lab runs, not otherwise', () => {
    let active = true;
    const inner = new RecordingLogger();
    const logger = labLogger(inner, () => active);
    const ok = {
      functionName: 'probeEndpoints',
      invocationId: 'i',
      trigger: 'timer' as const,
      detail: 'x',
      durationMs: 1,
    };
    logger.invocation({ ...ok, outcome: 'succeeded' });
    logger.invocation({ ...ok, outcome: 'failed', result: 'boom' });
    logger.functionLog('probeEndpoints', 'i', 'information', ['routine']);
    logger.functionLog('probeEndpoints', 'i', 'warning', [JSON.stringify({ event: 'probe.stateChange' })]);
    logger.functionLog('probeEndpoints', 'i', 'warning', ['something else']);
    expect(inner.invocations.map((r) => r.outcome)).toEqual(['failed']);
    expect(inner.lines.map((l) => l.text)).toEqual(['probeEndpoints: something else']);
    active = false;
    logger.invocation({ ...ok, outcome: 'succeeded' });
    logger.functionLog('probeEndpoints', 'i', 'information', ['routine']);
    expect(inner.invocations).toHaveLength(2);
    expect(inner.lines).toHaveLength(2);
  });
});

describe('availability tally', () => {
  const tally = (results: number, successful: number, tests: string[]) => ({
    results,
    successful,
    tests: Object.fromEntries(tests.map((t) => [t, { results: 1, successful: 1 }])),
  });

  it('says how many results came in, how many succeeded, for how many tests', () => {
    expect(describeAvailability(tally(14, 12, ['a', 'b']))).toBe(
      'availability: 14 results received (12 successful) for 2 tests',
    );
    expect(describeAvailability(tally(1, 0, ['a']))).toBe(
      'availability: 1 result received (0 successful) for 1 test',
    );
  });

  it('tells the tally only when it grew', async () => {
    const lines: string[] = [];
    let current = tally(0, 0, []);
    const watcher = watchAvailability(
      () => current,
      (l) => lines.push(l),
      20,
    );
    await new Promise((r) => setTimeout(r, 70));
    current = tally(2, 1, ['a']);
    await new Promise((r) => setTimeout(r, 70));
    await watcher.stop();
    expect(lines).toEqual(['availability: 2 results received (1 successful) for 1 test']);
  });
});
