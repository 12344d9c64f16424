/* What the probe's use cases take from the composition root; the container satisfies it. */
import type { QueueClient } from '@azure/storage-queue';
import type { ArmGateway } from '../../arm/arm-gateway';
import type { Clock } from '../../clock';
import type { Config } from '../../config/config';
import type { NotifierSource } from '../../notify/storage/store-hooks';
import type { TableServiceSource } from '../../storage/table-source';
import type { TelemetrySource } from '../../telemetry/use-cases/publish-availability';

export interface ProbeContainer extends TableServiceSource, NotifierSource, TelemetrySource {
  readonly config: Config;
  readonly clock: Clock;
  readonly appRoot: string;
  queue(name: string): Promise<QueueClient>;
  armGateway(): Promise<ArmGateway>;
}

/** The timer facts a run records (the Functions host's Timer has these). */
export interface TimerInfo {
  readonly isPastDue?: boolean;
  readonly scheduleStatus?: { readonly last?: string; readonly next?: string };
}
