import { describe, expect, it } from 'vitest';
import {
  continuationOf,
  encodeWorkItem,
  parseWorkItem,
  type ReconcileWorkItem,
} from '../../../../../shared/approval/core/reconcile-work-item';
import { AppError } from '../../../../../shared/errors';

const item: ReconcileWorkItem = {
  v: 1,
  plsId: '/subscriptions/x/resourceGroups/r/providers/Microsoft.Network/privateLinkServices/p',
  cause: 'event',
  event: {
    id: 'e1',
    type: 'Microsoft.Resources.ResourceWriteSuccess',
    receivedAt: '2026-12-01T12:00:00.000Z',
  },
  round: 0,
  correlationId: 'c',
  enqueuedAt: '2026-12-01T12:00:00.000Z',
};

describe('reconciliation work items', () => {
  it('round-trip as base64 JSON, as plain JSON text, and as the object the host decodes', () => {
    const text = encodeWorkItem(item);
    expect(parseWorkItem(text)).toEqual(item);
    expect(parseWorkItem(JSON.stringify(item))).toEqual(item);
    expect(parseWorkItem(JSON.parse(Buffer.from(text, 'base64').toString('utf8')))).toEqual(item);
  });

  it('a continuation counts the round and keeps the event that asked', () => {
    const next = continuationOf(item, 42, new Date('2026-12-01T12:05:00Z'));
    expect(next).toMatchObject({
      round: 1,
      remaining: 42,
      event: item.event,
      enqueuedAt: '2026-12-01T12:05:00.000Z',
    });
  });

  it('refuses anything else with validation_failed', () => {
    for (const bad of ['not json', { ...item, v: 2 }, { ...item, extra: true }, { ...item, round: -1 }]) {
      expect(() => parseWorkItem(bad)).toThrow(AppError);
    }
  });
});
