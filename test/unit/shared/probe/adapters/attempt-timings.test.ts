/*
 * Which moments an http attempt's phase timings are taken from. The first byte and the end of a
 * complete response are the socket reads that brought them (the connection's read marks), so the
 * engine's own work after a read (undici parsing the chunk, our handlers hashing it) is not
 * counted as the path's time; without read marks, or for a failed attempt, the other marks stand.
 */
import { describe, expect, it } from 'vitest';
import {
  emptyMarks,
  phaseTimings,
  type TimingMarks,
} from '../../../../../shared/probe/adapters/attempt-timings';
import {
  type ConnectionObservation,
  emptyObservation,
} from '../../../../../shared/probe/adapters/phase-connector';

function input(
  connection: Partial<ConnectionObservation>,
  marks: Partial<TimingMarks>,
  completed: boolean,
  end: number,
) {
  return {
    marks: { ...emptyMarks(), ...marks },
    connection: { ...emptyObservation(), ...connection },
    createdAt: 0,
    end,
    https: false,
    completed,
  };
}

// TCP 10→11, request sent at 12, first bytes read at 20 (undici reported them at 21), last bytes
// read at 30 (undici ended the message at 33, after our handlers ran).
const CONNECTION = { tcpStartAt: 10, tcpEndAt: 11, firstReadAt: 20, lastReadAt: 30 };
const MARKS = { requestSent: 12, firstByte: 21, headers: 21.5, end: 33 };

describe('phase timings of an http attempt', () => {
  it('take the first byte and the end of a complete response from the socket reads', () => {
    const t = phaseTimings(input(CONNECTION, MARKS, true, 33));
    expect(t.tcpMs).toBe(1);
    expect(t.ttfbMs).toBe(8);
    expect(t.firstByteAtMs).toBe(10);
    expect(t.transferMs).toBe(10);
    expect(t.totalMs).toBe(20);
  });

  it('keep the moment of the failure as the end of an attempt that did not complete', () => {
    const t = phaseTimings(input(CONNECTION, { ...MARKS, end: 50 }, false, 50));
    expect(t.firstByteAtMs).toBe(10);
    expect(t.transferMs).toBeNull();
    expect(t.totalMs).toBe(40);
  });

  it("use undici's callbacks when no read was seen, and report no first byte without a response", () => {
    const noReads = phaseTimings(input({ tcpStartAt: 10, tcpEndAt: 11 }, MARKS, true, 33));
    expect(noReads.firstByteAtMs).toBe(11);
    expect(noReads.totalMs).toBe(23);
    // Bytes were read (a garbled status line) but no response started: no first byte.
    const garbled = phaseTimings(input(CONNECTION, { requestSent: 12, end: 25 }, false, 25));
    expect(garbled.firstByteAtMs).toBeNull();
    expect(garbled.ttfbMs).toBeNull();
  });
});
