import { describe, expect, it } from 'vitest';
import { ArmPacer, armRateClassOf, pacingOptions, remainingFrom } from '../../../../shared/arm/arm-pacing';

const options = pacingOptions({ reserve: 5, refillPerSecond: { writes: 10 } });

function taken(reservation: ReturnType<ArmPacer['reserve']>): number {
  if (!('waitMs' in reservation)) throw new Error('expected a taken reservation');
  return reservation.waitMs;
}

describe('ArmPacer', () => {
  it('sends one request while nothing is known, holding the others until its answer', async () => {
    const pacer = new ArmPacer(options);
    expect(taken(pacer.reserve('writes', 0))).toBe(0);
    const second = pacer.reserve('writes', 0);
    expect('untilAnswered' in second).toBe(true);
    let woken = false;
    if ('untilAnswered' in second) void second.untilAnswered.then(() => (woken = true));
    pacer.settle('writes', 100, false);
    await Promise.resolve();
    expect(woken).toBe(true);
    expect(taken(pacer.reserve('writes', 0))).toBe(0);
  });

  it('holds nothing above the reserve, then spaces requests at the refill rate', () => {
    const pacer = new ArmPacer(options);
    pacer.reserve('writes', 0);
    pacer.settle('writes', 7, false);
    const waits = Array.from({ length: 6 }, () => taken(pacer.reserve('writes', 1_000)));
    // 7 and 6 left: go at once; from 5 left on, one every 100 ms (10 per second).
    expect(waits).toEqual([0, 0, 0, 100, 200, 300]);
  });

  it('counts requests still in flight against the remaining header, and a 429 without one as nothing left', () => {
    const pacer = new ArmPacer(options);
    pacer.reserve('writes', 0);
    pacer.settle('writes', 50, false);
    for (let i = 0; i < 10; i++) pacer.reserve('writes', 0);
    pacer.settle('writes', 20, false);
    expect(pacer.estimates().writes).toBe(11);
    // A 429 that still reports tokens is not the bucket (a locked resource): the count stands.
    pacer.reserve('writes', 0);
    pacer.settle('writes', 30, true);
    expect(pacer.estimates().writes).toBe(21);
    pacer.reserve('writes', 0);
    pacer.settle('writes', undefined, true);
    expect(pacer.estimates().writes).toBe(0);
    expect(taken(pacer.reserve('writes', 0))).toBeGreaterThanOrEqual(0);
    expect(pacer.estimates().reads).toBeUndefined();
  });

  it('classes requests as ARM buckets them and reads header values defensively', () => {
    expect(['GET', 'PUT', 'PATCH', 'POST', 'DELETE'].map(armRateClassOf)).toEqual([
      'reads',
      'writes',
      'writes',
      'writes',
      'deletes',
    ]);
    expect([remainingFrom('12'), remainingFrom(''), remainingFrom('x'), remainingFrom(undefined)]).toEqual([
      12,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
