/*
 * Every app setting the product reads, in one list. The config parser, README's settings table,
 * local.settings.sample.json and the infra checks are all held to this list by tests, so a setting
 * cannot be added in one place and forgotten in another. The settings every app needs (storage,
 * ARM, identity) and the ones the platform sets are here; each feature's own are in
 * settings-<feature>.ts, and the rule vocabulary in setting-spec.ts.
 *
 * Deliberately plain data (no zod here): function registration reads defaults from this list at
 * cold start, and the schema library is only loaded when settings are actually parsed.
 */
import { expectedResourceId, RESOURCE_ID_PATTERNS } from '../arm/resource-id';
import { type SettingSpec, storageEndpointSetting } from './setting-spec';
import { API_SETTINGS } from './settings-api';
import { APPROVAL_SETTINGS } from './settings-approval';
import { DISCOVERY_SETTINGS } from './settings-discovery';
import { ENTITLEMENT_SETTINGS } from './settings-entitlement';
import { NOTIFY_SETTINGS } from './settings-notify';
import { ONBOARDING_SETTINGS } from './settings-onboarding';
import { PROBE_SETTINGS } from './settings-probe';
import { WATCH_SETTINGS } from './settings-watch';

export { FEATURES, type Feature, featureOf, type SettingRule, type SettingSpec } from './setting-spec';

/** Storage, ARM and identity: what every app needs; a bad value stops everything. */
const COMMON_SETTINGS = [
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
] as const satisfies readonly SettingSpec[];

/** Set by App Service itself, never by hand: read to know where the app runs. */
const PLATFORM_SETTINGS = [
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
    name: 'WEBSITE_HOSTNAME',
    description:
      "Set by App Service in Azure: the app's default host name (`<app>.azurewebsites.net`). Writes are answered on it and on `APP_HOST_NAMES` only.",
    example: 'func-gatekeeper-prod.azurewebsites.net',
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

/** In the order README's and docs/settings.md's tables and local.settings.sample.json list them. */
export const SETTINGS = [
  ...COMMON_SETTINGS,
  ...APPROVAL_SETTINGS,
  ...WATCH_SETTINGS,
  ...DISCOVERY_SETTINGS,
  ...ENTITLEMENT_SETTINGS,
  ...ONBOARDING_SETTINGS,
  ...API_SETTINGS,
  ...PROBE_SETTINGS,
  ...NOTIFY_SETTINGS,
  ...PLATFORM_SETTINGS,
] as const satisfies readonly SettingSpec[];

export type SettingName = (typeof SETTINGS)[number]['name'];

/** Default of a setting, for code (like timer registration) that must know it without parsing everything. */
export function settingDefault(name: SettingName): string | undefined {
  const spec: SettingSpec | undefined = SETTINGS.find((s) => s.name === name);
  return spec?.default;
}
