import { describe, expect, it } from 'vitest';
import { INITIAL_STATE } from '../../../../../shared/probe/core/target-state';
import type { LatestView } from '../../../../../shared/probe/storage/latest';
import { conditionOf } from '../../../../../shared/probe/use-cases/probe-summary';

type Condition = Pick<LatestView, 'last' | 'record'>;

const LAST: LatestView['last'] = {
  status: 'DOWN',
  at: '2026-11-03T10:00:00.000Z',
  scheduledAt: '2026-11-03T10:00:00.000Z',
  failureClass: 'TCP_TIMEOUT',
  phase: 'tcp',
  code: 'ETIMEDOUT',
  totalMs: 3000,
  statusCode: null,
  reason: null,
  inMaintenance: false,
  connectionState: null,
};

function view(
  state: LatestView['record']['state'],
  awaitingConnection: string | null,
  inMaintenance = false,
): Condition {
  return {
    record: { ...INITIAL_STATE, state, awaitingConnection },
    last: { ...LAST, inMaintenance },
  };
}

describe('a target condition, as people read the probe state', () => {
  it('tells a DOWN caused by the connection (pending, rejected, gone) from a real failure', () => {
    expect(conditionOf(view('DOWN', 'Pending'))).toBe('awaiting-approval');
    expect(conditionOf(view('DOWN', 'Rejected'))).toBe('rejected');
    expect(conditionOf(view('DOWN', 'Missing'))).toBe('not-connected');
    expect(conditionOf(view('DOWN', 'Disconnected'))).toBe('not-connected');
    expect(conditionOf(view('DOWN', null))).toBe('down');
  });

  it('says maintenance while the latest run is in a window, and the state otherwise', () => {
    expect(conditionOf(view('DOWN', null, true))).toBe('maintenance');
    expect(conditionOf(view('UP', null))).toBe('up');
    expect(conditionOf(view('DEGRADED', null))).toBe('degraded');
    expect(conditionOf(view('UNKNOWN', null))).toBe('unknown');
  });
});
