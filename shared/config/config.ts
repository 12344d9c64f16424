import { AppError, type FieldIssue, formatIssues, isAppError } from '../errors';
import { isLoopbackHost } from '../net/loopback';
import { isInlineWebhooks, parseWebhooks } from '../notify/webhook-config';
import { schemaFor } from './setting-rules';
import { SETTINGS, type SettingName } from './settings';

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
    readonly reconcileSchedule: string;
    readonly reconcileConcurrency: number;
    readonly tenantCacheTtlHours: number;
  };
  readonly auth: {
    readonly mode: 'easyauth' | 'dev';
    readonly readerRole: string;
    readonly approverRole: string;
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
  readonly notify: {
    /** Null when NOTIFY_WEBHOOKS is unset: nothing is staged, enqueued or sent. */
    readonly webhooksSource:
      | { readonly kind: 'inline'; readonly text: string }
      | { readonly kind: 'file'; readonly path: string }
      | null;
    readonly pendingReminderHours: number;
    readonly dashboardUrl: string | undefined;
    readonly queueName: string;
    readonly maxAttempts: number;
    readonly retryBaseSeconds: number;
    readonly timeoutSeconds: number;
    readonly sweepSchedule: string;
  };
  readonly telemetry: {
    /** APPLICATIONINSIGHTS_CONNECTION_STRING (a host setting, read here too); undefined: no availability results. */
    readonly connectionString: string | undefined;
    /** APPLICATIONINSIGHTS_AUTHENTICATION_STRING as given; parsed where the exporter is built. */
    readonly authenticationString: string | undefined;
    readonly runLocation: string;
  };
  readonly runtime: {
    readonly inAzure: boolean;
    readonly siteName: string | undefined;
  };
}

type Parsed = { [K in SettingName]?: unknown };

/** Empty and whitespace-only values count as unset: app settings and .env files produce them by accident. */
function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * Parses the environment once. On failure throws one `config_invalid` AppError whose issues list
 * every bad or missing setting, so a broken deployment is fixed in one round, not one key at a time.
 */
export function parseConfig(env: Env): Config {
  const issues: FieldIssue[] = [];
  const values: Parsed = {};
  for (const spec of SETTINGS) {
    const raw = read(env, spec.name) ?? ('default' in spec ? spec.default : undefined);
    if (raw === undefined) continue;
    const result = schemaFor(spec.rule).safeParse(raw);
    if (result.success) values[spec.name] = result.data;
    else for (const issue of result.error.issues) issues.push({ path: spec.name, message: issue.message });
  }
  const str = (name: SettingName) => values[name] as string | undefined;
  const num = (name: SettingName) => values[name] as number;

  const storage = parseStorage(env, str, issues);
  const arm = parseArm(str('ARM_ENDPOINT'), str('AZURE_CLIENT_ID'), issues);
  const siteName = str('WEBSITE_SITE_NAME');
  const authMode = (str('AUTH_MODE') ?? 'easyauth') as Config['auth']['mode'];
  if (authMode === 'dev' && siteName !== undefined) {
    issues.push({
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
      issues.push(...error.issues);
    }
  }

  if (issues.length > 0 || storage === undefined || arm === undefined) {
    throw new AppError('config_invalid', `Invalid app settings:\n${formatIssues(issues)}`, { issues });
  }

  const policyInline = str('APPROVAL_POLICY');
  const targetsInline = str('PROBE_TARGETS');
  const config: Config = {
    storage,
    tablePrefix: str('TABLE_NAME_PREFIX') ?? 'plg',
    arm,
    approval: {
      plsResourceIds: dedupeCaseInsensitive((values.PLS_RESOURCE_IDS as string[] | undefined) ?? []),
      policySource:
        policyInline !== undefined
          ? { kind: 'inline', text: policyInline }
          : { kind: 'file', path: str('APPROVAL_POLICY_PATH') ?? 'approval-policy.yaml' },
      mode: str('APPROVAL_MODE') as Config['approval']['mode'],
      reconcileSchedule: str('RECONCILE_SCHEDULE') as string,
      reconcileConcurrency: num('RECONCILE_CONCURRENCY'),
      tenantCacheTtlHours: num('TENANT_CACHE_TTL_HOURS'),
    },
    auth: {
      mode: authMode,
      readerRole: str('AUTH_READER_ROLE') as string,
      approverRole: str('AUTH_APPROVER_ROLE') as string,
    },
    probe: {
      targetsSource:
        targetsInline !== undefined
          ? { kind: 'inline', text: targetsInline }
          : { kind: 'file', path: str('PROBE_TARGETS_PATH') ?? 'probe-targets.yaml' },
      schedule: str('PROBE_SCHEDULE') as string,
      concurrency: num('PROBE_CONCURRENCY'),
      queueThreshold: num('PROBE_QUEUE_THRESHOLD'),
      queueName: str('PROBE_QUEUE_NAME') as string,
      retentionDays: num('PROBE_RETENTION_DAYS'),
      cleanupSchedule: str('PROBE_CLEANUP_SCHEDULE') as string,
    },
    notify: {
      webhooksSource:
        webhooks === undefined
          ? null
          : isInlineWebhooks(webhooks)
            ? { kind: 'inline', text: webhooks }
            : { kind: 'file', path: webhooks.trim() },
      pendingReminderHours: num('NOTIFY_PENDING_REMINDER_HOURS'),
      dashboardUrl: str('DASHBOARD_URL'),
      queueName: str('NOTIFY_QUEUE_NAME') as string,
      maxAttempts: num('NOTIFY_MAX_ATTEMPTS'),
      retryBaseSeconds: num('NOTIFY_RETRY_BASE_SECONDS'),
      timeoutSeconds: num('NOTIFY_TIMEOUT_SECONDS'),
      sweepSchedule: str('NOTIFY_SWEEP_SCHEDULE') as string,
    },
    telemetry: {
      connectionString: read(env, 'APPLICATIONINSIGHTS_CONNECTION_STRING'),
      authenticationString: read(env, 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'),
      runLocation: str('PROBE_RUN_LOCATION') ?? str('REGION_NAME') ?? 'local',
    },
    runtime: { inAzure: siteName !== undefined, siteName },
  };
  return deepFreeze(config);
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
