/**
 * Time as the product reads it: one small interface so tests can drive the clock, in its own
 * module so that stores and use cases need not import the composition root to name it.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
