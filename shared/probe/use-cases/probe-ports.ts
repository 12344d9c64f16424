/*
 * The ports the probe's use cases take (probeTick, probeQueuedTarget, runProbeCleanup), declared
 * beside them; the composition root satisfies them and the function files pass it.
 */
import type { QueueClient } from '@azure/storage-queue';
import type { ArmGateway } from '../../arm/arm-gateway';
import type { Clock } from '../../clock';
import type { Config } from '../../config/config';
import type { Log } from '../../log';
import type { TableServiceSource } from '../../storage/table-source';
import type { ProbedTarget } from '../core/types';
import type { ProbeOutboxSource } from '../storage/events';

export interface ProbePorts extends TableServiceSource, ProbeOutboxSource {
  readonly config: Config;
  readonly clock: Clock;
  readonly appRoot: string;
  queue(name: string): Promise<QueueClient>;
  armGateway(): Promise<ArmGateway>;
  /** Sends one availability result per probed target (Application Insights); 0 when telemetry is off. Never throws. */
  publishAvailability(log: Log, probed: readonly ProbedTarget[]): Promise<number>;
}

/** The timer facts a run records (the Functions host's Timer has these). */
export interface TimerInfo {
  readonly isPastDue?: boolean;
  readonly scheduleStatus?: { readonly last?: string; readonly next?: string };
}
