/* Time as a dependency, so tests and benches can move it; everything reads "now" through this. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
