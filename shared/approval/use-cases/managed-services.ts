/*
 * Which Private Link Services this app manages: PLS_RESOURCE_IDS (static) and, when
 * PLS_DISCOVERY_SCOPE is set, every PLS Resource Graph finds there (with PLS_DISCOVERY_TAG).
 *
 * - The timer asks Resource Graph once per run (`refresh`); every other path of that run and the
 *   event and queue paths use the list held in this instance (`managed`), asking only when this
 *   instance has never asked (cold start).
 * - A failed discovery (quota spent past the wait budget, Resource Graph down) keeps the last known
 *   list: a service is never dropped because Resource Graph could not answer.
 * - A discovered id is only a name: the reconcile path GETs the PLS and its connections from ARM
 *   before any write, exactly as for a configured one.
 * - Invalid discovery settings switch off discovery alone; the static list keeps working.
 */
import type { DiscoveryResult, DiscoveryScope, DiscoveryTag } from '../../arm/resource-graph';
import type { Clock } from '../../clock';
import type { Config } from '../../config/config';
import { toAppError } from '../../errors';
import { type Log, logEvent } from '../../log';
import type { DiscoveryStatus, DiscoveryStatusStore } from '../storage/discovery-status-store';

export interface ServiceFinder {
  listPrivateLinkServiceIds(scope: DiscoveryScope, tag: DiscoveryTag | undefined): Promise<DiscoveryResult>;
}

export type DiscoverySetup =
  | { readonly state: 'off' }
  /** The settings are invalid: the message names them (from the discovery feature's config_invalid). */
  | { readonly state: 'invalid'; readonly message: string }
  | {
      readonly state: 'on';
      readonly scope: DiscoveryScope;
      readonly tag: DiscoveryTag | undefined;
      readonly finder: () => Promise<ServiceFinder>;
    };

/**
 * Whether this app manages Private Link Services at all (a provider app): PLS_RESOURCE_IDS lists
 * some, or PLS_DISCOVERY_SCOPE is set and valid (invalid discovery settings leave the static list
 * alone). Throws approval's `config_invalid` while its settings are unreadable.
 */
export function managesServices(config: Pick<Config, 'approval' | 'discovery' | 'settingIssues'>): boolean {
  if (config.approval.plsResourceIds.length > 0) return true;
  return config.settingIssues.discovery.length === 0 && config.discovery !== null;
}

/** The managed ids a use case should act on: the instance's list when discovery is wired, else the static ids. */
export async function managedIdsOf(
  deps: {
    readonly plsResourceIds: readonly string[];
    readonly managedServices?: Pick<ManagedServices, 'managed'>;
  },
  log: Log,
): Promise<readonly string[]> {
  return deps.managedServices === undefined ? deps.plsResourceIds : deps.managedServices.managed(log);
}

export interface ManagedServicesSummary {
  readonly static: number;
  readonly discovered: number;
  readonly total: number;
}

export class ManagedServices {
  private discovered: readonly string[] = [];
  /** This instance's first discovery, shared by every caller that arrives while it runs. */
  private first: Promise<readonly string[]> | undefined;

  constructor(
    readonly staticIds: readonly string[],
    readonly setup: DiscoverySetup,
    private readonly clock: Clock,
    private readonly statusStore?: Pick<DiscoveryStatusStore, 'put' | 'get'>,
  ) {}

  /** Static ids first (configured casing), then discovered ones not already listed. */
  managedIds(): readonly string[] {
    const seen = new Set(this.staticIds.map((id) => id.toLowerCase()));
    const extra = this.discovered.filter((id) => !seen.has(id.toLowerCase()));
    return [...this.staticIds, ...extra];
  }

  summary(): ManagedServicesSummary {
    const total = this.managedIds().length;
    return { static: this.staticIds.length, discovered: total - this.staticIds.length, total };
  }

  /** The managed list, asking Resource Graph only if this instance never has. */
  async managed(log: Log): Promise<readonly string[]> {
    if (this.setup.state === 'on') {
      this.first ??= this.refresh(log);
      await this.first;
    }
    return this.managedIds();
  }

  /** Asks Resource Graph (the timer, once per run); on failure keeps the last known list. */
  refresh(log: Log): Promise<readonly string[]> {
    const run = this.discover(log);
    this.first ??= run;
    return run;
  }

  private async discover(log: Log): Promise<readonly string[]> {
    const setup = this.setup;
    if (setup.state === 'invalid') {
      logEvent(log, { level: 'warn', event: 'approval.discovery.off', reason: setup.message });
      return this.managedIds();
    }
    if (setup.state === 'off') return this.managedIds();
    const at = this.clock.now();
    const previous = await this.readStatus(log);
    try {
      const found = await (await setup.finder()).listPrivateLinkServiceIds(setup.scope, setup.tag);
      this.discovered = found.ids;
      logEvent(log, {
        event: 'approval.discovery.done',
        discovered: found.ids.length,
        pages: found.pages,
        quotaWaitMs: found.waitedMs,
      });
      await this.writeStatus(log, {
        at,
        discovered: this.summary().discovered,
        lastOkAt: at,
        errorCode: undefined,
      });
    } catch (error) {
      const { code, upstreamCode } = toAppError(error);
      logEvent(log, {
        level: 'warn',
        event: 'approval.discovery.failed',
        code,
        upstreamCode,
        kept: this.discovered.length,
      });
      await this.writeStatus(log, {
        at,
        discovered: this.summary().discovered,
        lastOkAt: previous?.lastOkAt,
        errorCode: code,
      });
    }
    return this.managedIds();
  }

  async lastStatus(): Promise<DiscoveryStatus | undefined> {
    return this.statusStore?.get();
  }

  private async readStatus(log: Log): Promise<DiscoveryStatus | undefined> {
    try {
      return await this.statusStore?.get();
    } catch (error) {
      logEvent(log, {
        level: 'warn',
        event: 'approval.discovery.status_unavailable',
        code: toAppError(error).code,
      });
      return undefined;
    }
  }

  private async writeStatus(log: Log, status: DiscoveryStatus): Promise<void> {
    try {
      await this.statusStore?.put(status);
    } catch (error) {
      // Health loses the line; the managed list itself is unaffected.
      logEvent(log, {
        level: 'warn',
        event: 'approval.discovery.status_unavailable',
        code: toAppError(error).code,
      });
    }
  }
}
