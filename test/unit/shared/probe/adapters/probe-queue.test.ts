import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../../../shared/errors';
import { encodeProbeRequest, parseProbeRequest } from '../../../../../shared/probe/adapters/probe-queue';
import {
  occurrenceAtOrBefore,
  probeDeadlineMs,
  scheduleIntervalMs,
} from '../../../../../shared/probe/core/probe-schedule';

const request = { targetId: 'iis', scheduledAt: '2026-11-03T10:00:00.000Z', runId: 'abc' };

describe('probe queue messages', () => {
  it('encodes base64 JSON, and parses what the host hands over: an object, JSON, or base64 JSON', () => {
    const encoded = encodeProbeRequest(request);
    expect(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'))).toEqual(request);
    expect(parseProbeRequest(encoded)).toEqual(request);
    expect(parseProbeRequest(JSON.stringify(request))).toEqual(request);
    expect(parseProbeRequest(request)).toEqual(request);
  });

  it('rejects a malformed message naming the field', () => {
    try {
      parseProbeRequest({ ...request, scheduledAt: 'yesterday' });
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error) && error.issues[0]?.path).toBe('message.scheduledAt');
    }
    expect(() => parseProbeRequest('not json at all')).toThrow(/neither JSON/);
  });
});

describe('probe schedule', () => {
  it('derives the period and an 80 % deadline, capped', () => {
    const from = new Date('2026-11-03T10:00:10Z');
    expect(scheduleIntervalMs('0 * * * * *', from)).toBe(60_000);
    expect(scheduleIntervalMs('*/30 * * * * *', from)).toBe(30_000);
    expect(probeDeadlineMs(60_000)).toBe(48_000);
    expect(probeDeadlineMs(3_600_000)).toBe(240_000);
  });

  it('maps a start to the occurrence it belongs to, tolerating an early fire', () => {
    expect(occurrenceAtOrBefore('0 * * * * *', new Date('2026-11-03T10:00:07.300Z')).toISOString()).toBe(
      '2026-11-03T10:00:00.000Z',
    );
    expect(occurrenceAtOrBefore('0 * * * * *', new Date('2026-11-03T10:00:59.900Z')).toISOString()).toBe(
      '2026-11-03T10:01:00.000Z',
    );
    expect(occurrenceAtOrBefore('0 */5 * * * *', new Date('2026-11-03T10:09:00Z')).toISOString()).toBe(
      '2026-11-03T10:05:00.000Z',
    );
  });

  it('refuses an expression croner cannot read as config_invalid', () => {
    expect(() => scheduleIntervalMs('not a cron', new Date())).toThrow(/NCRONTAB/);
  });
});
