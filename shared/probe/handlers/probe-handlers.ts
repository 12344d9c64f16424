/*
 * The probe's trigger adapters: the timer tick, one queued target, and retention cleanup. They
 * obtain the container and hand the use cases what they need; nothing else here decides anything.
 */
import type { InvocationContext, Timer } from '@azure/functions';
import { getContainer } from '../../composition-root';
import { type CleanupSummary, runProbeCleanup } from '../use-cases/cleanup';
import type { ProbeContainer } from '../use-cases/probe-container';
import {
  type ProbeDependencies,
  type ProbeOutcome,
  probeQueuedTarget,
  probeTick,
  type RunSummary,
} from '../use-cases/run-probes';

export function runProbeTimer(
  timer: Timer,
  context: InvocationContext,
  deps?: Partial<ProbeDependencies>,
): Promise<RunSummary> {
  return probeTick(timer, context, { ...deps, container: deps?.container ?? getContainer() });
}

export function runQueuedProbe(
  message: unknown,
  context: InvocationContext,
  deps?: Partial<ProbeDependencies>,
): Promise<ProbeOutcome | null> {
  return probeQueuedTarget(message, context, { ...deps, container: deps?.container ?? getContainer() });
}

export function cleanupProbeTables(
  timer: Timer | undefined,
  context: InvocationContext,
  container: ProbeContainer = getContainer(),
): Promise<CleanupSummary> {
  return runProbeCleanup(timer, context, container);
}
