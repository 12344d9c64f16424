/*
 * The deadlines of one attempt. They are our own timers because undici's fire with about one
 * second's granularity; every one still pending is cleared when the attempt ends, so none fires
 * into a finished attempt or keeps the process awake.
 */
import { PROBE_CODES } from '../core/classify-failure';

export class AttemptTimers {
  private readonly pending = new Set<NodeJS.Timeout>();
  private readonly disarms: (() => void)[] = [];

  /**
   * The two deadlines every attempt has, whatever its kind: the run's (its signal) and the
   * attempt's own `totalMs`. Either calls `expire` with the code and message to fail with;
   * `clearAll` disarms both.
   */
  armDeadlines(signal: AbortSignal, totalMs: number, expire: (code: string, message: string) => void): void {
    const onRunAbort = () => expire(PROBE_CODES.runDeadline, "the run's deadline passed");
    if (signal.aborted) onRunAbort();
    else {
      signal.addEventListener('abort', onRunAbort, { once: true });
      this.disarms.push(() => signal.removeEventListener('abort', onRunAbort));
    }
    this.start(totalMs, () =>
      expire(PROBE_CODES.totalTimeout, `the attempt did not complete within totalMs (${totalMs} ms)`),
    );
  }

  start(ms: number, fire: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      fire();
    }, ms);
    this.pending.add(timer);
    return timer;
  }

  clear(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.pending.delete(timer);
  }

  clearAll(): void {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
    for (const disarm of this.disarms.splice(0)) disarm();
  }
}
