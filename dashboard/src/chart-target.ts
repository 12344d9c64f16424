import type { TargetSummary } from './types';

/**
 * Which target the latency chart shows. A person's pick (a tile, the list, a `#target=` link) stays.
 * Otherwise the first target with latency to draw (successful runs in the last 24 h), else one with
 * any result: an endpoint still waiting for its connection has failed runs only and would open an
 * empty chart. While the page chose, an empty chart moves to a target with data once there is one.
 */
export function chartTarget(
  targets: readonly Pick<TargetSummary, 'id' | 'latency24h' | 'lastResult'>[],
  current: string,
  pickedByPerson: boolean,
): string {
  const hasLatency = (t: (typeof targets)[number]) => t.latency24h.samples > 0;
  const shown = targets.find((t) => t.id === current);
  if (shown !== undefined && (pickedByPerson || hasLatency(shown))) return current;
  const withData = targets.find(hasLatency) ?? targets.find((t) => t.lastResult.at !== null);
  return withData?.id ?? shown?.id ?? targets[0]?.id ?? '';
}
