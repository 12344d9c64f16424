import { AppError, type FieldIssue, formatIssues, isAppError } from '../errors';
import { isLoopbackHost } from '../net/loopback';
import { isInlineWebhooks, parseWebhooks } from './notify-webhooks';
import { findNearMisses } from './setting-names';
import { schemaFor } from './setting-rules';
import { FEATURES, type Feature, featureOf, SETTINGS, type SettingName, type SettingSpec } from './settings';

export type Env = Readonly<Record<string, string | undefined>>;

export type StorageSettings =
  | { readonly kind: 'connectionString'; readonly connectionString: string }
  | {
      readonly kind: 'identity';
      readonly tableEndpoint: string;
      readonly queueEndpoint: string;
      readonly clientId: string | undefined;
    };

export interface Config {
  readonly storage: StorageSettings;
  readonly tablePrefix: string;
  readonly arm: {
    readonly endpoint: URL;
    /** Token scope for ARM; derived from the endpoint so sovereign clouds work without another setting. */
    readonly scope: string;
    readonly clientId: string | undefined;
  };
  readonly approval: {
    readonly plsResourceIds: readonly string[];
    readonly policySource:
      | { readonly kind: 'inline'; readonly text: string }
      | { readonly kind: 'file'; readonly path: string };
    readonly mode: 'enforce' | 'dry-run' | 'off';
    /** EXPOSURE_MODE: report contradictions only, also record the settings plan, or write a recorded plan. */
    readonly exposureMode: 'report' | 'dry-run' | 'enforce';
    readonly reconcileSchedule: string;
    readonly reconcileConcurrency: number;
    readonly reconcileTimeBudgetSeconds: number;
    readonly reconcileQueueName: string;
    readonly tenantCacheTtlHours: number;
    /** Ending approvals: the reminder ahead of the end, the grace before removal (hours). */
    readonly expiryReminderHours: number;
    readonly expiryGraceHours: number;
    /** How long a first approval waits for the second person (hours). */
    readonly twoPersonApprovalHours: number;
    /** The "what is new" pass (WATCH_*): its tick, mode and read shares (percent). */
    readonly watch: {
      readonly schedule: string;
      readonly mode: 'auto' | 'arm' | 'graph' | 'off';
      readonly readSharePercent: number;
      readonly graphSharePercent: number;
      readonly armMaxServices: number;
    };
  };
  readonly auth: {
    readonly mode: 'easyauth' | 'dev';
    /** Lower-cased tenant ids; undefined when unset (any tenant outside Azure, none in Azure). */
    readonly allowedTenantIds: ReadonlySet<string> | undefined;
    /**
     * The host names writes may arrive under, lower case: WEBSITE_HOSTNAME and APP_HOST_NAMES in
     * Azure; APP_HOST_NAMES outside Azure, where loopback names are also allowed.
     */
    readonly writeHosts: { readonly names: ReadonlySet<string>; readonly loopback: boolean };
    /** App Service says its Authentication module is on (WEBSITE_AUTH_ENABLED=True). */
    readonly platformAuthEnabled: boolean;
    readonly readerRole: string;
    readonly approverRole: string;
    /** METRICS_SCRAPE_TOKEN: when set, the only credential GET /api/metrics accepts; never logged (the redactor knows it). */
    readonly metricsScrapeToken: string | undefined;
  };
  readonly probe: {
    readonly targetsSource:
      | { readonly kind: 'inline'; readonly text: string }
      | { readonly kind: 'file'; readonly path: string };
    readonly schedule: string;
    readonly concurrency: number;
    readonly queueThreshold: number;
    readonly queueName: string;
    readonly retentionDays: number;
    readonly cleanupSchedule: string;
  };
  /** Throws the notification feature's `config_invalid` when read while its settings are invalid. */
  readonly notify: {
    /** Null when NOTIFY_WEBHOOKS is unset: nothing is staged, enqueued or sent. */
    readonly webhooksSource:
      | { readonly kind: 'inline'; readonly text: string }
      | { readonly kind: 'file'; readonly path: string }
      | null;
    readonly pendingReminderHours: number;
    /** Undefined when unset or invalid (`settingIssues.dashboardLinks`): messages then carry no dashboard button. */
    readonly dashboardUrl: string | undefined;
    readonly queueName: string;
    readonly maxAttempts: number;
    readonly retryBaseSeconds: number;
    /** NOTIFY_GROUP_SECONDS: the incident window of probe.down (0: no grouping). */
    readonly groupSeconds: number;
    readonly timeoutSeconds: number;
    readonly sweepSchedule: string;
  };
  /** Throws the availability telemetry's `config_invalid` when read while its settings are invalid. */
  readonly telemetry: {
    /** APPLICATIONINSIGHTS_CONNECTION_STRING (a host setting, read here too); undefined: no availability results. */
    readonly connectionString: string | undefined;
    /** APPLICATIONINSIGHTS_AUTHENTICATION_STRING as given; parsed where the exporter is built. */
    readonly authenticationString: string | undefined;
    readonly runLocation: string;
  };
  /**
   * The entitlement check (ENTITLEMENT_URL); null when unset. Throws the entitlement feature's
   * `config_invalid` when read while its settings are invalid (the check then answers "failed").
   */
  readonly entitlement: {
    readonly url: URL;
    /** The HMAC key: never logged, stored or echoed (the redactor knows it). */
    readonly secret: string;
    readonly timeoutSeconds: number;
  } | null;
  /**
   * Discovery through Resource Graph (PLS_DISCOVERY_SCOPE); null when unset. Throws the discovery
   * feature's `config_invalid` when read while its settings are invalid (then only PLS_RESOURCE_IDS is managed).
   */
  readonly discovery: {
    readonly scope:
      | { readonly kind: 'subscriptions'; readonly subscriptionIds: readonly string[] }
      | { readonly kind: 'managementGroup'; readonly managementGroupId: string };
    readonly tag: { readonly name: string; readonly value: string } | undefined;
  } | null;
  /** Throws the onboarding codes' `config_invalid` when read while their keys are invalid. */
  readonly onboardingCodes: {
    /** ONBOARDING_CODE_KEY: signs and verifies; undefined: onboarding codes are off. */
    readonly currentKey: string | undefined;
    /** ONBOARDING_CODE_KEY_PREVIOUS: verifies only (the key before a rotation). */
    readonly previousKey: string | undefined;
  };
  readonly runtime: {
    readonly inAzure: boolean;
    readonly siteName: string | undefined;
  };
  /**
   * Problems found in each feature's settings. `approval`, `auth` (the API), `probe`, `notify` and
   * `telemetry` throw their feature's `config_invalid` error when read while their list is not
   * empty; the others keep working. `dashboardLinks` problems only leave `notify.dashboardUrl` unset.
   */
  readonly settingIssues: Readonly<Record<Feature, readonly FieldIssue[]>>;
}

/** What each feature is called in messages and in the health report. */
const FEATURE_LABEL: Record<Feature, string> = {
  common: 'common',
  approval: 'approval',
  api: 'API',
  probe: 'probe',
  notify: 'notification',
  dashboardLinks: 'dashboard link',
  telemetry: 'availability telemetry',
  entitlement: 'entitlement check',
  onboardingCodes: 'onboarding code',
  discovery: 'service discovery',
};

type Parsed = { [K in SettingName]?: unknown };

export type { Feature };

/** Empty and whitespace-only values count as unset: app settings and .env files produce them by accident. */
function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** How a rejected value is shown: quoted and cut short, or hidden when the setting may hold a credential. */
export function rejectedValue(spec: SettingSpec, raw: string): string {
  if (spec.secret === true) return '(value not shown: it may hold a secret)';
  const shown = raw.length > 60 ? `${raw.slice(0, 57)}...` : raw;
  return `got ${JSON.stringify(shown)}`;
}

/**
 * Parses the environment once. Every bad or missing setting is listed (so a broken deployment is
 * fixed in one round, not one key at a time), but only common settings (storage, ARM, table prefix)
 * make this throw: a bad approval, API, probe, notification or telemetry setting disables that
 * feature alone, whose section of the result then throws its own `config_invalid` error when read.
 */
export function parseConfig(env: Env): Config {
  const byFeature = Object.fromEntries(FEATURES.map((f) => [f, [] as FieldIssue[]])) as Record<
    Feature,
    FieldIssue[]
  >;
  const values: Parsed = {};
  for (const spec of SETTINGS as readonly SettingSpec[]) {
    const given = read(env, spec.name);
    const raw = given ?? spec.default;
    if (raw === undefined) continue;
    const result = schemaFor(spec.rule).safeParse(raw);
    if (result.success) values[spec.name as SettingName] = result.data;
    else
      for (const issue of result.error.issues)
        byFeature[featureOf(spec)].push({
          path: spec.name,
          message: `${issue.message}; ${rejectedValue(spec, raw)}`,
        });
  }
  const specByName = new Map<string, SettingSpec>(SETTINGS.map((spec) => [spec.name, spec]));
  const setNames = Object.keys(env).filter((name) => read(env, name) !== undefined);
  for (const miss of findNearMisses(setNames, [...specByName.keys()])) {
    const spec = specByName.get(miss.meant) as SettingSpec;
    byFeature[featureOf(spec)].push({
      path: miss.given,
      message: `not a setting of this app; did you mean ${miss.meant}? (as written it is ignored, so ${miss.meant} ${read(env, miss.meant) === undefined ? 'keeps its default' : 'keeps its own value'})`,
    });
  }
  const str = (name: SettingName) => values[name] as string | undefined;
  const num = (name: SettingName) => values[name] as number;

  const storage = parseStorage(env, str, byFeature.common);
  const arm = parseArm(str('ARM_ENDPOINT'), str('AZURE_CLIENT_ID'), byFeature.common);
  const siteName = str('WEBSITE_SITE_NAME');
  const authMode = (str('AUTH_MODE') ?? 'easyauth') as Config['auth']['mode'];
  if (authMode === 'dev' && siteName !== undefined) {
    byFeature.api.push({
      path: 'AUTH_MODE',
      message:
        'dev mode is refused in Azure (WEBSITE_SITE_NAME is set): it would let anyone act as an approver',
    });
  }

  const webhooks = str('NOTIFY_WEBHOOKS');
  if (webhooks !== undefined && isInlineWebhooks(webhooks)) {
    try {
      parseWebhooks(webhooks);
    } catch (error) {
      if (!isAppError(error)) throw error;
      // A broken list switches notifications off; approval and probes keep running without them.
      byFeature.notify.push(...error.issues);
    }
  }

  const entitlementUrl = str('ENTITLEMENT_URL');
  const entitlementSecret = str('ENTITLEMENT_SIGNING_KEY');
  if (
    entitlementUrl !== undefined &&
    entitlementSecret === undefined &&
    read(env, 'ENTITLEMENT_SIGNING_KEY') === undefined
  )
    byFeature.entitlement.push({
      path: 'ENTITLEMENT_SIGNING_KEY',
      message: 'expected a secret: ENTITLEMENT_URL is set, and requests are never sent unsigned',
    });

  const discoveryScope = str('PLS_DISCOVERY_SCOPE');
  const discoveryTag = str('PLS_DISCOVERY_TAG');
  if (
    discoveryTag !== undefined &&
    discoveryScope === undefined &&
    read(env, 'PLS_DISCOVERY_SCOPE') === undefined
  )
    byFeature.discovery.push({
      path: 'PLS_DISCOVERY_SCOPE',
      message:
        'expected subscription ids or managementGroup:<id>: PLS_DISCOVERY_TAG is set, and a tag alone names no scope',
    });

  if (byFeature.common.length > 0 || storage === undefined || arm === undefined) {
    const issues = FEATURES.flatMap((feature) => byFeature[feature]);
    throw new AppError('config_invalid', `Invalid app settings:\n${formatIssues(issues)}`, { issues });
  }

  const policyInline = str('APPROVAL_POLICY');
  const targetsInline = str('PROBE_TARGETS');
  const settingIssues = deepFreeze({ ...byFeature });
  const base = {
    storage: deepFreeze(storage),
    tablePrefix: str('TABLE_NAME_PREFIX') ?? 'plg',
    arm: deepFreeze(arm),
    runtime: deepFreeze({ inAzure: siteName !== undefined, siteName }),
    settingIssues,
  };
  const sections = {
    notify: section(settingIssues.notify, 'notify', () => ({
      webhooksSource:
        webhooks === undefined
          ? null
          : isInlineWebhooks(webhooks)
            ? ({ kind: 'inline', text: webhooks } as const)
            : ({ kind: 'file', path: webhooks.trim() } as const),
      pendingReminderHours: num('NOTIFY_PENDING_REMINDER_HOURS'),
      dashboardUrl: str('DASHBOARD_URL'),
      queueName: str('NOTIFY_QUEUE_NAME') as string,
      maxAttempts: num('NOTIFY_MAX_ATTEMPTS'),
      retryBaseSeconds: num('NOTIFY_RETRY_BASE_SECONDS'),
      groupSeconds: num('NOTIFY_GROUP_SECONDS'),
      timeoutSeconds: num('NOTIFY_TIMEOUT_SECONDS'),
      sweepSchedule: str('NOTIFY_SWEEP_SCHEDULE') as string,
    })),
    telemetry: section(settingIssues.telemetry, 'telemetry', () => ({
      connectionString: read(env, 'APPLICATIONINSIGHTS_CONNECTION_STRING'),
      authenticationString: read(env, 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'),
      runLocation: str('PROBE_RUN_LOCATION') ?? str('REGION_NAME') ?? 'local',
    })),
    entitlement: section(settingIssues.entitlement, 'entitlement', () =>
      entitlementUrl === undefined
        ? null
        : {
            url: new URL(entitlementUrl),
            secret: entitlementSecret as string,
            timeoutSeconds: num('ENTITLEMENT_TIMEOUT_SECONDS'),
          },
    ),
    approval: section(settingIssues.approval, 'approval', () => ({
      plsResourceIds: dedupeCaseInsensitive((values.PLS_RESOURCE_IDS as string[] | undefined) ?? []),
      policySource:
        policyInline !== undefined
          ? ({ kind: 'inline', text: policyInline } as const)
          : ({ kind: 'file', path: str('APPROVAL_POLICY_PATH') ?? 'approval-policy.yaml' } as const),
      mode: str('APPROVAL_MODE') as Config['approval']['mode'],
      exposureMode: str('EXPOSURE_MODE') as Config['approval']['exposureMode'],
      reconcileSchedule: str('RECONCILE_SCHEDULE') as string,
      reconcileConcurrency: num('RECONCILE_CONCURRENCY'),
      reconcileTimeBudgetSeconds: num('RECONCILE_TIME_BUDGET_SECONDS'),
      reconcileQueueName: str('RECONCILE_QUEUE_NAME') as string,
      tenantCacheTtlHours: num('TENANT_CACHE_TTL_HOURS'),
      expiryReminderHours: num('APPROVAL_EXPIRY_REMINDER_HOURS'),
      expiryGraceHours: num('APPROVAL_EXPIRY_GRACE_HOURS'),
      twoPersonApprovalHours: num('TWO_PERSON_APPROVAL_HOURS'),
      watch: {
        schedule: str('WATCH_SCHEDULE') as string,
        mode: str('WATCH_MODE') as Config['approval']['watch']['mode'],
        readSharePercent: num('WATCH_READ_SHARE'),
        graphSharePercent: num('WATCH_GRAPH_SHARE'),
        armMaxServices: num('WATCH_ARM_MAX_SERVICES'),
      },
    })),
    auth: section(settingIssues.api, 'api', () => ({
      mode: authMode,
      allowedTenantIds: allowedTenants(values.AUTH_ALLOWED_TENANT_IDS as string[] | undefined),
      writeHosts: writeHosts(
        siteName !== undefined,
        str('WEBSITE_HOSTNAME'),
        (values.APP_HOST_NAMES as string[] | undefined) ?? [],
      ),
      platformAuthEnabled: str('WEBSITE_AUTH_ENABLED')?.trim().toLowerCase() === 'true',
      readerRole: str('AUTH_READER_ROLE') as string,
      approverRole: str('AUTH_APPROVER_ROLE') as string,
      metricsScrapeToken: str('METRICS_SCRAPE_TOKEN'),
    })),
    discovery: section(settingIssues.discovery, 'discovery', () =>
      discoveryScope === undefined ? null : parseDiscovery(discoveryScope, discoveryTag),
    ),
    onboardingCodes: section(settingIssues.onboardingCodes, 'onboardingCodes', () => ({
      currentKey: str('ONBOARDING_CODE_KEY'),
      previousKey: str('ONBOARDING_CODE_KEY_PREVIOUS'),
    })),
    probe: section(settingIssues.probe, 'probe', () => ({
      targetsSource:
        targetsInline !== undefined
          ? ({ kind: 'inline', text: targetsInline } as const)
          : ({ kind: 'file', path: str('PROBE_TARGETS_PATH') ?? 'probe-targets.yaml' } as const),
      schedule: str('PROBE_SCHEDULE') as string,
      concurrency: num('PROBE_CONCURRENCY'),
      queueThreshold: num('PROBE_QUEUE_THRESHOLD'),
      queueName: str('PROBE_QUEUE_NAME') as string,
      retentionDays: num('PROBE_RETENTION_DAYS'),
      cleanupSchedule: str('PROBE_CLEANUP_SCHEDULE') as string,
    })),
  };
  const config = Object.defineProperties(base, {
    approval: { get: sections.approval, enumerable: true },
    auth: { get: sections.auth, enumerable: true },
    probe: { get: sections.probe, enumerable: true },
    notify: { get: sections.notify, enumerable: true },
    telemetry: { get: sections.telemetry, enumerable: true },
    entitlement: { get: sections.entitlement, enumerable: true },
    onboardingCodes: { get: sections.onboardingCodes, enumerable: true },
    discovery: { get: sections.discovery, enumerable: true },
  }) as typeof base &
    Pick<
      Config,
      'approval' | 'auth' | 'probe' | 'notify' | 'telemetry' | 'entitlement' | 'onboardingCodes' | 'discovery'
    >;
  return Object.freeze(config) satisfies Config;
}

/** PLS_DISCOVERY_SCOPE and PLS_DISCOVERY_TAG, already checked against their patterns. */
function parseDiscovery(scope: string, tag: string | undefined): NonNullable<Config['discovery']> {
  const trimmed = scope.trim();
  const parsedScope = trimmed.startsWith('managementGroup:')
    ? ({ kind: 'managementGroup', managementGroupId: trimmed.slice('managementGroup:'.length) } as const)
    : ({
        kind: 'subscriptions',
        subscriptionIds: dedupeCaseInsensitive(
          trimmed
            .split(/[,\n]/)
            .map((id) => id.trim().toLowerCase())
            .filter((id) => id !== ''),
        ),
      } as const);
  if (tag === undefined) return { scope: parsedScope, tag: undefined };
  const at = tag.indexOf('=');
  return { scope: parsedScope, tag: { name: tag.slice(0, at), value: tag.slice(at + 1) } };
}

/**
 * One feature's section: built (and frozen) once when its settings are valid; otherwise every read
 * throws that feature's error, which names only its own settings.
 */
function section<T>(issues: readonly FieldIssue[], feature: Feature, build: () => T): () => T {
  if (issues.length > 0) {
    return () => {
      throw new AppError(
        'config_invalid',
        `Invalid ${FEATURE_LABEL[feature]} settings (the ${FEATURE_LABEL[feature]} feature is off until they are fixed; other features are unaffected):\n${formatIssues(issues)}`,
        { issues },
      );
    };
  }
  const value = deepFreeze(build());
  return () => value;
}

/** Every setting problem of every feature, for startup output (the local host prints them all at once). */
export function allSettingIssues(config: Config): FieldIssue[] {
  return FEATURES.flatMap((feature) => config.settingIssues[feature]);
}

function allowedTenants(ids: readonly string[] | undefined): ReadonlySet<string> | undefined {
  return ids === undefined || ids.length === 0 ? undefined : new Set(ids.map((id) => id.toLowerCase()));
}

function parseStorage(
  env: Env,
  str: (name: SettingName) => string | undefined,
  issues: FieldIssue[],
): StorageSettings | undefined {
  const connectionString = str('AzureWebJobsStorage');
  if (connectionString !== undefined) return { kind: 'connectionString', connectionString };
  const account = str('AzureWebJobsStorage__accountName');
  const tableUri = str('AzureWebJobsStorage__tableServiceUri');
  const queueUri = str('AzureWebJobsStorage__queueServiceUri');
  if (account === undefined && tableUri === undefined) {
    // Only report "missing" when nothing storage-related was given at all; a malformed value was reported already.
    if (
      read(env, 'AzureWebJobsStorage__accountName') === undefined &&
      read(env, 'AzureWebJobsStorage__tableServiceUri') === undefined
    ) {
      issues.push({
        path: 'AzureWebJobsStorage',
        message:
          'expected a storage connection string, or AzureWebJobsStorage__accountName (or __tableServiceUri) for identity-based access',
      });
    }
    return undefined;
  }
  return {
    kind: 'identity',
    tableEndpoint: tableUri ?? `https://${account}.table.core.windows.net`,
    queueEndpoint:
      queueUri ??
      (account !== undefined
        ? `https://${account}.queue.core.windows.net`
        : (tableUri ?? '').replace('.table.', '.queue.')),
    clientId: str('AzureWebJobsStorage__clientId') ?? str('AZURE_CLIENT_ID'),
  };
}

function parseArm(
  endpoint: string | undefined,
  clientId: string | undefined,
  issues: FieldIssue[],
): Config['arm'] | undefined {
  let url: URL;
  try {
    url = new URL(endpoint ?? 'https://management.azure.com');
  } catch {
    issues.push({
      path: 'ARM_ENDPOINT',
      message: 'expected an absolute URL such as https://management.azure.com',
    });
    return undefined;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    issues.push({
      path: 'ARM_ENDPOINT',
      message: `expected https (plain http is accepted only for loopback hosts, since the bearer token is sent there); got ${url.protocol}//${url.host}`,
    });
    return undefined;
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    issues.push({ path: 'ARM_ENDPOINT', message: 'expected an origin only (no path, query or fragment)' });
    return undefined;
  }
  const scope = isLoopbackHost(url.hostname)
    ? 'https://management.azure.com/.default'
    : `${url.origin}/.default`;
  return { endpoint: url, scope, clientId };
}

function dedupeCaseInsensitive(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  return ids.filter((id) => {
    const key = id.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value) && !(value instanceof URL)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Outside Azure only this machine's names (and any configured ones); in Azure only the app's own. */
function writeHosts(
  inAzure: boolean,
  defaultHostName: string | undefined,
  configured: readonly string[],
): Config['auth']['writeHosts'] {
  const names = [...configured, ...(inAzure && defaultHostName !== undefined ? [defaultHostName] : [])];
  return { names: new Set(names.map((n) => n.trim().toLowerCase())), loopback: !inAzure };
}
