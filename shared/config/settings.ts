import { expectedResourceId, RESOURCE_ID_PATTERNS } from '../arm/resource-id';

/**
 * Every app setting the product reads, in one list. The config parser, README's settings table,
 * local.settings.sample.json and the infra checks are all held to this list by tests, so a setting
 * cannot be added in one place and forgotten in another.
 *
 * Deliberately plain data (no zod here): function registration reads defaults from this list at
 * cold start, and the schema library is only loaded when settings are actually parsed.
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
 * bad availability-telemetry setting stops availability results, not probing. Only `common` settings
 * (storage, ARM, table prefix), which everything needs, stop everything.
 */
export type Feature = 'common' | 'approval' | 'api' | 'probe' | 'notify' | 'dashboardLinks' | 'telemetry';

export const FEATURES: readonly Feature[] = [
  'common',
  'approval',
  'api',
  'probe',
  'notify',
  'dashboardLinks',
  'telemetry',
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
function queueNameSetting<N extends string>(
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
function storageEndpointSetting<S extends 'table' | 'queue'>(service: S) {
  const title = service === 'table' ? 'Table' : 'Queue';
  return {
    name: `AzureWebJobsStorage__${service}ServiceUri`,
    description: `${title} endpoint for identity-based access, when it is not the public-cloud default derived from the account name.`,
    example: `https://stgatekeeper01.${service}.core.windows.net`,
    side: 'both',
    rule: { type: 'httpsUrl' },
  } as const;
}

export const SETTINGS = [
  {
    name: 'AzureWebJobsStorage',
    description:
      'Storage for tables and queues: a connection string, or unset when the identity-based `AzureWebJobsStorage__accountName` (or `__tableServiceUri`/`__queueServiceUri`) settings are used.',
    example: 'UseDevelopmentStorage=true',
    side: 'both',
    rule: { type: 'string' },
    // A connection string carries the account key.
    secret: true,
  },
  {
    name: 'AzureWebJobsStorage__accountName',
    description:
      'Storage account name for identity-based access (managed identity); used when `AzureWebJobsStorage` is unset.',
    example: 'stgatekeeper01',
    side: 'both',
    rule: {
      type: 'string',
      pattern: /^[a-z0-9]{3,24}$/,
      expected: 'expected a storage account name (3-24 lower-case letters and digits)',
    },
  },
  storageEndpointSetting('table'),
  storageEndpointSetting('queue'),
  {
    name: 'AzureWebJobsStorage__clientId',
    description: 'Client id of the user-assigned identity used for storage (defaults to `AZURE_CLIENT_ID`).',
    example: '00000000-0000-0000-0000-000000000000',
    side: 'both',
    rule: { type: 'guid' },
  },
  {
    name: 'TABLE_NAME_PREFIX',
    description:
      'Prefix of every table the product creates (letters and digits), so several instances can share one account.',
    default: 'plg',
    example: 'plgprod',
    side: 'both',
    rule: {
      type: 'string',
      pattern: /^[A-Za-z][A-Za-z0-9]{0,19}$/,
      expected: 'expected 1-20 letters or digits, starting with a letter',
    },
  },
  {
    name: 'PLS_RESOURCE_IDS',
    description:
      'The Private Link Services to manage: full resource ids, comma or newline separated. Empty on a probe-only (consumer) app.',
    default: '',
    example:
      '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-provider/providers/Microsoft.Network/privateLinkServices/pls-web',
    side: 'provider',
    rule: {
      type: 'list',
      itemPattern: RESOURCE_ID_PATTERNS.privateLinkService,
      expected: expectedResourceId('privateLinkService'),
    },
  },
  {
    name: 'ARM_ENDPOINT',
    description:
      'Azure Resource Manager endpoint. https anywhere (sovereign clouds); plain http only for loopback hosts, because the bearer token is sent wherever this points.',
    default: 'https://management.azure.com',
    example: 'https://management.usgovcloudapi.net',
    side: 'both',
    rule: { type: 'string' },
  },
  {
    name: 'AZURE_CLIENT_ID',
    description:
      'Client id of the user-assigned managed identity that calls ARM (and storage, unless overridden). Also how events of our own writes are told apart: an event whose caller `appid` is this is dropped as an echo; without it every event naming a caller is queued.',
    example: '00000000-0000-0000-0000-000000000000',
    side: 'both',
    rule: { type: 'guid' },
  },
  {
    name: 'APPROVAL_POLICY_PATH',
    description:
      'Path of the approval policy file (YAML or JSON), relative to the app root. Ignored when `APPROVAL_POLICY` is set.',
    default: 'approval-policy.yaml',
    example: 'approval-policy.yaml',
    side: 'provider',
    rule: { type: 'string' },
  },
  {
    name: 'APPROVAL_POLICY',
    description: 'The approval policy inline (YAML or JSON), for deployments that keep it in an app setting.',
    example: 'version: 1\\ndefault: { action: manual }\\nrules: []',
    side: 'provider',
    rule: { type: 'string' },
  },
  {
    name: 'APPROVAL_MODE',
    description:
      '`enforce` writes decisions to ARM; `dry-run` decides and audits but writes nothing to ARM (for people too); `off`: the policy decides nothing, people still can.',
    default: 'enforce',
    example: 'dry-run',
    side: 'provider',
    rule: { type: 'enum', values: ['enforce', 'dry-run', 'off'] },
  },
  {
    name: 'RECONCILE_SCHEDULE',
    description: 'NCRONTAB schedule of the reconciliation timer.',
    default: '0 */5 * * * *',
    example: '0 */2 * * * *',
    side: 'provider',
    rule: { type: 'ncrontab' },
  },
  {
    name: 'RECONCILE_CONCURRENCY',
    description: 'How many Private Link Services one reconciliation run works on at once.',
    default: '4',
    example: '8',
    side: 'provider',
    rule: { type: 'int', min: 1, max: 64 },
  },
  queueNameSetting(
    'RECONCILE_QUEUE_NAME',
    'Storage queue of per-PLS reconciliation work: what events ask for, and continuations of runs out of time.',
    'reconcile-requests',
    'provider',
  ),
  {
    name: 'RECONCILE_TIME_BUDGET_SECONDS',
    description:
      'Seconds one reconciliation invocation decides before it queues the rest as a continuation; keep it well under the function timeout.',
    default: '240',
    example: '120',
    side: 'provider',
    rule: { type: 'int', min: 5, max: 3600 },
  },
  {
    name: 'TENANT_CACHE_TTL_HOURS',
    description:
      'How long a discovered subscription-to-tenant mapping is trusted before it is looked up again.',
    default: '24',
    example: '6',
    side: 'provider',
    rule: { type: 'int', min: 1, max: 24 * 30 },
  },
  {
    name: 'AUTH_MODE',
    description:
      '`easyauth` trusts the principal that App Service Authentication puts in `x-ms-client-principal`; `dev` acts as a fixed local developer and is refused when running in Azure.',
    default: 'easyauth',
    example: 'dev',
    side: 'provider',
    rule: { type: 'enum', values: ['easyauth', 'dev'] },
    feature: 'api',
  },
  {
    name: 'AUTH_ALLOWED_TENANT_IDS',
    description:
      'Entra tenants whose people may call the API and dashboard (comma-separated GUIDs); a principal from any other tenant is refused. Required in Azure (the Bicep sets the deploying tenant); unset outside Azure means any tenant.',
    example: 'aaaaaaaa-0000-0000-0000-000000000001',
    side: 'both',
    rule: {
      type: 'list',
      itemPattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
      expected: 'expected tenant ids (GUIDs), comma separated',
    },
    // A bad list switches the API off (fail closed), never approval or probes.
    feature: 'api',
  },
  {
    name: 'AUTH_READER_ROLE',
    description: 'App role that may read connections, decisions and probe data.',
    default: 'Gatekeeper.Reader',
    example: 'Gatekeeper.Reader',
    side: 'both',
    rule: { type: 'string' },
    feature: 'api',
  },
  {
    name: 'AUTH_APPROVER_ROLE',
    description: 'App role that may also approve and reject connections.',
    default: 'Gatekeeper.Approver',
    example: 'Gatekeeper.Approver',
    side: 'provider',
    rule: { type: 'string' },
    feature: 'api',
  },
  {
    name: 'PROBE_TARGETS_PATH',
    description: 'Path of the probe targets file (YAML or JSON). Ignored when `PROBE_TARGETS` is set.',
    default: 'probe-targets.yaml',
    example: 'probe-targets.yaml',
    side: 'consumer',
    rule: { type: 'string' },
  },
  {
    name: 'PROBE_TARGETS',
    description: 'Probe targets inline (YAML or JSON).',
    example: '[{"id":"iis","url":"http://10.0.0.5/"}]',
    side: 'consumer',
    rule: { type: 'string' },
    // Targets may carry request headers such as Authorization.
    secret: true,
  },
  {
    name: 'PROBE_SCHEDULE',
    description: 'NCRONTAB schedule of the probe timer.',
    default: '0 * * * * *',
    example: '*/30 * * * * *',
    side: 'consumer',
    rule: { type: 'ncrontab' },
  },
  {
    name: 'PROBE_CONCURRENCY',
    description: 'How many targets one probe run probes at once.',
    default: '32',
    example: '64',
    side: 'consumer',
    rule: { type: 'int', min: 1, max: 1024 },
  },
  {
    name: 'PROBE_QUEUE_THRESHOLD',
    description:
      'Above this many targets the timer enqueues one message per target and a queue-triggered function probes.',
    default: '50',
    example: '200',
    side: 'consumer',
    rule: { type: 'int', min: 1, max: 100_000 },
  },
  queueNameSetting('PROBE_QUEUE_NAME', 'Storage queue used in queue mode.', 'probe-requests', 'consumer'),
  {
    name: 'PROBE_RETENTION_DAYS',
    description: 'Raw probe results older than this are dropped by the cleanup timer (rollups are kept).',
    default: '90',
    example: '30',
    side: 'consumer',
    rule: { type: 'int', min: 1, max: 3650 },
  },
  {
    name: 'PROBE_CLEANUP_SCHEDULE',
    description: 'NCRONTAB schedule of the retention cleanup timer.',
    default: '0 30 3 * * *',
    example: '0 0 4 * * *',
    side: 'consumer',
    rule: { type: 'ncrontab' },
  },
  {
    name: 'PROBE_RUN_LOCATION',
    description:
      'Run location of the availability results sent to Application Insights (where the probe runs); defaults to `REGION_NAME`, else `local`.',
    example: 'westeurope',
    side: 'consumer',
    rule: {
      type: 'string',
      pattern: /^[\w .()-]{1,64}$/,
      expected: 'expected 1-64 letters, digits, spaces or .()-_',
    },
    // Used only by the availability results: a bad one stops those, not the probes.
    feature: 'telemetry',
  },
  {
    name: 'NOTIFY_WEBHOOKS',
    description:
      'Where notifications go: a JSON list of `{name, kind: teams|slack|generic, url, events?}`, or the path of a file holding one (relative to the app root). Unset: nothing is sent. The URLs are secrets (keep the setting in Key Vault); https only, plain http only for loopback.',
    example: '[{"name":"ops","kind":"teams","url":"https://example.webhook.office.com/..."}]',
    side: 'both',
    rule: { type: 'string' },
    feature: 'notify',
  },
  {
    name: 'NOTIFY_PENDING_REMINDER_HOURS',
    description:
      'A connection left Pending for a person gets a `connection.reminder` after this many hours, and again every period, until decided.',
    default: '24',
    example: '8',
    side: 'provider',
    rule: { type: 'int', min: 1, max: 24 * 30 },
    feature: 'notify',
  },
  {
    name: 'DASHBOARD_URL',
    description:
      'Base URL of the dashboard; notifications carry a button to the connection or target there when set. https, or plain http for loopback hosts (`npm run local` sets it). A bad value only leaves the buttons out.',
    example: 'https://func-gatekeeper-prod.azurewebsites.net/api/dashboard',
    side: 'both',
    rule: { type: 'httpsUrl', loopbackHttp: true },
    feature: 'dashboardLinks',
  },
  {
    ...queueNameSetting(
      'NOTIFY_QUEUE_NAME',
      'Storage queue of pending webhook deliveries (one message per event and webhook).',
      'notify-deliveries',
      'both',
    ),
    feature: 'notify',
  },
  {
    name: 'NOTIFY_MAX_ATTEMPTS',
    description:
      'Delivery attempts per event and webhook before the delivery is marked poison (kept in the NotifyDeliveries table).',
    default: '8',
    example: '12',
    side: 'both',
    rule: { type: 'int', min: 1, max: 50 },
    feature: 'notify',
  },
  {
    name: 'NOTIFY_RETRY_BASE_SECONDS',
    description:
      'First retry delay of a failed delivery; each further attempt waits twice as long (with jitter, at most one hour).',
    default: '30',
    example: '10',
    side: 'both',
    rule: { type: 'int', min: 1, max: 3600 },
    feature: 'notify',
  },
  {
    name: 'NOTIFY_TIMEOUT_SECONDS',
    description: 'How long one webhook call may take before it counts as failed and is retried.',
    default: '15',
    example: '30',
    side: 'both',
    rule: { type: 'int', min: 1, max: 120 },
    feature: 'notify',
  },
  {
    name: 'NOTIFY_SWEEP_SCHEDULE',
    description:
      'NCRONTAB schedule of the notification sweeper: enqueues outbox entries a crash left behind and sends pending reminders.',
    default: '0 */2 * * * *',
    example: '0 */5 * * * *',
    side: 'both',
    rule: { type: 'ncrontab' },
    feature: 'notify',
  },
  {
    name: 'REGION_NAME',
    description:
      "Set by App Service in Azure (the app's region); the default run location of availability results.",
    example: 'West Europe',
    side: 'platform',
    rule: { type: 'string' },
  },
  {
    name: 'WEBSITE_SITE_NAME',
    description: 'Set by App Service in Azure (never by hand); its presence tells the app it runs in Azure.',
    example: 'func-gatekeeper-prod',
    side: 'platform',
    rule: { type: 'string' },
  },
  {
    name: 'WEBSITE_AUTH_ENABLED',
    description:
      'Set by App Service (`True`) when App Service Authentication is on. In Azure, `easyauth` mode trusts `x-ms-client-principal` only when it is set; otherwise every protected route answers a configuration error.',
    example: 'True',
    side: 'platform',
    rule: { type: 'string' },
  },
] as const satisfies readonly SettingSpec[];

export type SettingName = (typeof SETTINGS)[number]['name'];

/** Default of a setting, for code (like timer registration) that must know it without parsing everything. */
export function settingDefault(name: SettingName): string | undefined {
  const spec: SettingSpec | undefined = SETTINGS.find((s) => s.name === name);
  return spec?.default;
}
