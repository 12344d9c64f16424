/*
 * The vocabulary of the settings list: what a setting's rule may say, which feature a bad value
 * switches off, and builders for settings that follow a platform naming rule. Plain data and plain
 * functions (no zod): function registration reads the list at cold start.
 */
export type SettingRule =
  | { readonly type: 'string'; readonly pattern?: RegExp; readonly expected?: string }
  | {
      readonly type: 'httpsUrl';
      /** Also plain http, for loopback hosts only (a link or endpoint on this machine), as ARM_ENDPOINT allows. */
      readonly loopbackHttp?: boolean;
    }
  | { readonly type: 'guid' }
  | { readonly type: 'enum'; readonly values: readonly string[] }
  | { readonly type: 'int'; readonly min: number; readonly max: number }
  | { readonly type: 'ncrontab' }
  | { readonly type: 'list'; readonly itemPattern: RegExp; readonly expected: string };

/**
 * The part of the product a setting belongs to: what a bad value of it switches off, and nothing
 * else. A typo in a probe setting must not stop approval or the API; a bad notification setting
 * stops notifications only; a bad DASHBOARD_URL only takes the dashboard buttons out of messages; a
 * bad availability-telemetry setting stops availability results, not probing; a bad entitlement
 * setting stops the entitlement check (its connections wait for a person), not approval. Only `common` settings
 * (storage, ARM, table prefix), which everything needs, stop everything.
 */
export type Feature =
  | 'common'
  | 'approval'
  | 'api'
  | 'probe'
  | 'notify'
  | 'dashboardLinks'
  | 'telemetry'
  | 'entitlement'
  | 'onboardingCodes'
  | 'discovery';

export const FEATURES: readonly Feature[] = [
  'common',
  'approval',
  'api',
  'probe',
  'notify',
  'dashboardLinks',
  'telemetry',
  'entitlement',
  'onboardingCodes',
  'discovery',
];

export interface SettingSpec {
  readonly name: string;
  readonly description: string;
  /** Default applied when the setting is unset or empty; undefined means "no default". */
  readonly default?: string;
  readonly example: string;
  /** Which deployment sets it: both apps, the provider (approval) app, the consumer (probe) app, or the platform. */
  readonly side: 'both' | 'provider' | 'consumer' | 'platform';
  readonly rule: SettingRule;
  /**
   * Defaults from `side`: provider settings belong to approval, consumer ones to probe, the rest are
   * common. Every optional setting names its own feature, so that it never stops the others.
   */
  readonly feature?: Feature;
  /** The value may hold a credential: error messages never echo it. */
  readonly secret?: boolean;
}

/** The feature whose health a bad value of this setting takes down. */
export function featureOf(spec: SettingSpec): Feature {
  if (spec.feature !== undefined) return spec.feature;
  return spec.side === 'provider' ? 'approval' : spec.side === 'consumer' ? 'probe' : 'common';
}

/** Azure Storage queue names: 3-63 lower-case letters, digits and single hyphens ("Naming queues and metadata"). */
export function queueNameSetting<N extends string>(
  name: N,
  description: string,
  queue: string,
  side: SettingSpec['side'],
) {
  return {
    name,
    description,
    default: queue,
    example: queue,
    side,
    rule: {
      type: 'string',
      pattern: /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/,
      expected: 'expected a storage queue name (3-63 lower-case letters, digits, single hyphens)',
    },
  } as const;
}

/** The table or queue endpoint of identity-based storage access (the Functions host reads the same names). */
export function storageEndpointSetting<S extends 'table' | 'queue'>(service: S) {
  const title = service === 'table' ? 'Table' : 'Queue';
  return {
    name: `AzureWebJobsStorage__${service}ServiceUri`,
    description: `${title} endpoint for identity-based access, when it is not the public-cloud default derived from the account name.`,
    example: `https://stgatekeeper01.${service}.core.windows.net`,
    side: 'both',
    rule: { type: 'httpsUrl' },
  } as const;
}
