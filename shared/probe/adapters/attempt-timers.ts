/*
 * The deadlines of one attempt. They are our own timers because undici's fire with about one
 * second's granularity; every one still pending is cleared when the attempt ends, so none fires
 * into a finished attempt or keeps the process awake.
 */
export class AttemptTimers {
  private readonly pending = new Set<NodeJS.Timeout>();

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
  }
}
