/*
 * The clock of one attempt: the moments the attempt itself notes (the lookup, the request sent,
 * the first byte, the headers, the end) and how they and the socket's own moments become the
 * phase timings of the result. All values are performance.now() readings.
 */
import type { PhaseTimings } from '../core/types';
import type { ConnectionObservation } from './phase-connector';

/** The moments the attempt notes itself; the TCP and TLS ones come from the phase connector. */
export interface TimingMarks {
  dnsStart: number | null;
  dnsEnd: number | null;
  requestSent: number | null;
  firstByte: number | null;
  headers: number | null;
  end: number | null;
}

export function emptyMarks(): TimingMarks {
  return { dnsStart: null, dnsEnd: null, requestSent: null, firstByte: null, headers: null, end: null };
}

export interface TimingsInput {
  readonly marks: TimingMarks;
  readonly connection: ConnectionObservation;
  /** When the attempt object was made: the clock's start if no network work began. */
  readonly createdAt: number;
  /** The attempt's end (its end mark, or now when it has none). */
  readonly end: number;
  readonly https: boolean;
  /** A response was read to its end: only then is there a transfer phase to report. */
  readonly completed: boolean;
}

export function phaseTimings(input: TimingsInput): PhaseTimings {
  const { marks: m, connection: c } = input;
  // The first byte and the end of a complete response are the socket reads that brought them
  // (the connection's read marks), not the moments undici's callbacks ran: those come after it
  // parsed the chunk and after our handlers hashed and kept it, which is the engine's own work.
  // A bare socket's 'data' event gives the same boundaries. Without a read mark (or a response)
  // the callbacks' marks stand; an attempt that failed keeps the moment of its failure as its end.
  const firstByte = m.firstByte === null ? null : Math.min(c.firstReadAt ?? m.firstByte, m.firstByte);
  const end = input.completed && c.lastReadAt !== null ? Math.min(c.lastReadAt, input.end) : input.end;
  // The clock starts with the first network work (the lookup, or the connect call for an
  // address literal), not when the attempt object was made: building the client and waiting for
  // the event loop to reach the connect is our process's time, not the path's. Under a loaded
  // loop that wait was most of what a spaced run still added to every total.
  const t0 = m.dnsStart ?? c.tcpStartAt ?? input.createdAt;
  return {
    dnsMs: span(m.dnsStart, m.dnsEnd),
    tcpMs: span(c.tcpStartAt, c.tcpEndAt),
    tlsMs: input.https ? span(c.tcpEndAt, c.tlsEndAt) : null,
    ttfbMs: span(m.requestSent, firstByte),
    transferMs: input.completed ? span(firstByte, end) : null,
    totalMs: round(end - t0),
    firstByteAtMs: span(t0, firstByte),
  };
}

/** performance.now() differences, kept to the microsecond: sub-millisecond precision without float noise. */
function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function span(from: number | null, to: number | null): number | null {
  return from === null || to === null ? null : round(to - from);
}
