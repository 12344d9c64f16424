/** Builds the "what is new" pass's ports on top of the approval services (called once, lazily). */
import type { TableClient } from '@azure/data-tables';
import type { Config } from '../config/config';
import { APPROVAL_TABLES } from './storage/approval-tables';
import { WatchStateStore } from './storage/watch-state-store';
import type { ApprovalServices } from './use-cases/approval-services';
import type {
  PendingConnectionFinder,
  SubscriptionServiceLister,
  WatchDeps,
} from './use-cases/watch-new-connections';

export interface WatchWiringSource {
  readonly config: Config;
  table(logical: string): Promise<TableClient>;
  /** ARM for the pass's lists: no retry inside, so a 429 ends the pass and pushes the next one out. */
  watchLister(): Promise<SubscriptionServiceLister>;
  /** Resource Graph for the pass: no quota wait inside, for the same reason. */
  watchGraph(): Promise<PendingConnectionFinder>;
}

export function buildWatchDeps(source: WatchWiringSource, services: ApprovalServices): WatchDeps {
  const settings = source.config.approval.watch;
  let discoveryOn: boolean;
  try {
    discoveryOn = source.config.discovery !== null;
  } catch {
    // Invalid discovery settings switch discovery off (managed-services.ts): only the static list is managed.
    discoveryOn = false;
  }
  return {
    ...services,
    watch: {
      settings: {
        mode: settings.mode,
        readShare: settings.readSharePercent / 100,
        graphShare: settings.graphSharePercent / 100,
        armMaxServices: settings.armMaxServices,
        discoveryOn,
      },
      state: new WatchStateStore(() => source.table(APPROVAL_TABLES.reconcileRuns)),
      lister: () => source.watchLister(),
      graph: () => source.watchGraph(),
    },
  };
}
