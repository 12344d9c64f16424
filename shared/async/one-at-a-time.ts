/**
 * Runs CPU-heavy async work one at a time per instance, with a bounded waiting line. Work that yields
 * between its slices (see yieldToEventLoop) still holds the event loop for one slice per turn of the
 * loop per caller running it; with one runner, anything else waiting (a health check, an approval)
 * waits for at most one slice however many callers send such work at once. A caller finding the line
 * full gets the error `refuse` builds, at once, instead of queueing without end.
 */
export class OneAtATime {
  #running = false;
  readonly #waiting: (() => void)[] = [];

  constructor(
    private readonly maxWaiting: number,
    private readonly refuse: () => Error,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running) {
      if (this.#waiting.length >= this.maxWaiting) throw this.refuse();
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else this.#running = true;
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next === undefined) this.#running = false;
      // Handed over on a later turn (not as a microtask), so I/O that arrived meanwhile runs first.
      else setImmediate(next);
    }
  }
}

/** Lets every callback that is ready (I/O, timers) run before the caller continues. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
