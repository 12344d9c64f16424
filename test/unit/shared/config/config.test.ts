import { describe, expect, it } from 'vitest';
import { allSettingIssues, parseConfig, rejectedValue } from '../../../../shared/config/config';
import { editDistance } from '../../../../shared/config/setting-names';
import { type Feature, featureOf, SETTINGS, type SettingSpec } from '../../../../shared/config/settings';
import { appErrorOf } from '../../../helpers/app-errors';

const PLS =
  '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-p/providers/Microsoft.Network/privateLinkServices/pls-web';

const configError = (env: Record<string, string>) => appErrorOf(() => parseConfig(env));

describe('parseConfig', () => {
  it('applies documented defaults and freezes the result', () => {
    const config = parseConfig({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' });
    expect(config.arm.endpoint.origin).toBe('https://management.azure.com');
    expect(config.approval.mode).toBe('enforce');
    expect(config.approval.reconcileSchedule).toBe('0 */5 * * * *');
    expect(config.probe.concurrency).toBe(32);
    expect(config.tablePrefix).toBe('plg');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.approval)).toBe(true);
  });

  it('lists every bad or missing setting in one error when a common setting is bad', () => {
    const error = configError({
      PLS_RESOURCE_IDS: `${PLS},/subscriptions/nope`,
      ARM_ENDPOINT: 'http://management.example.com',
      APPROVAL_MODE: 'yolo',
      PROBE_CONCURRENCY: '0',
      RECONCILE_SCHEDULE: '*/5 * * * *',
    });
    expect(error.code).toBe('config_invalid');
    const paths = error.issues.map((i) => i.path).sort();
    expect(paths).toEqual(
      [
        'APPROVAL_MODE',
        'ARM_ENDPOINT',
        'AzureWebJobsStorage',
        'PLS_RESOURCE_IDS',
        'PROBE_CONCURRENCY',
        'RECONCILE_SCHEDULE',
      ].sort(),
    );
    expect(error.message).toContain('RECONCILE_SCHEDULE: expected a six-field NCRONTAB');
    expect(error.message).toContain('plain http is accepted only for loopback');
  });

  it('treats empty and blank strings as unset', () => {
    const config = parseConfig({
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      APPROVAL_MODE: '',
      PROBE_SCHEDULE: '   ',
    });
    expect(config.approval.mode).toBe('enforce');
    expect(config.probe.schedule).toBe('0 * * * * *');
  });

  it('accepts plain http ARM only on loopback hosts', () => {
    for (const endpoint of ['http://127.0.0.1:8443', 'http://[::1]:9000', 'http://localhost:1234']) {
      const config = parseConfig({
        AzureWebJobsStorage: 'UseDevelopmentStorage=true',
        ARM_ENDPOINT: endpoint,
      });
      expect(config.arm.endpoint.protocol).toBe('http:');
      expect(config.arm.scope).toBe('https://management.azure.com/.default');
    }
    const sovereign = parseConfig({
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      ARM_ENDPOINT: 'https://management.usgovcloudapi.net',
    });
    expect(sovereign.arm.scope).toBe('https://management.usgovcloudapi.net/.default');
    expect(configError({ AzureWebJobsStorage: 'x', ARM_ENDPOINT: 'http://10.0.0.4' }).issues[0]?.path).toBe(
      'ARM_ENDPOINT',
    );
  });

  it('splits PLS ids on commas and newlines and drops case-insensitive duplicates', () => {
    const other = PLS.replace('pls-web', 'pls-api');
    const config = parseConfig({
      AzureWebJobsStorage: 'x',
      PLS_RESOURCE_IDS: `${PLS},\n${other}\n${PLS.toUpperCase()}`,
    });
    expect(config.approval.plsResourceIds).toEqual([PLS, other]);
  });

  it('uses identity-based storage when only the account name is given', () => {
    const config = parseConfig({
      AzureWebJobsStorage__accountName: 'stgk01',
      AZURE_CLIENT_ID: '00000000-0000-0000-0000-000000000001',
    });
    expect(config.storage).toEqual({
      kind: 'identity',
      tableEndpoint: 'https://stgk01.table.core.windows.net',
      queueEndpoint: 'https://stgk01.queue.core.windows.net',
      clientId: '00000000-0000-0000-0000-000000000001',
    });
  });

  it('refuses dev auth mode in Azure (the API is off; approval and probes keep working)', () => {
    const config = parseConfig({
      AzureWebJobsStorage: 'x',
      AUTH_MODE: 'dev',
      WEBSITE_SITE_NAME: 'func-prod',
    });
    const error = appErrorOf(() => config.auth);
    expect(error.issues).toEqual([expect.objectContaining({ path: 'AUTH_MODE' })]);
    expect(config.approval.mode).toBe('enforce');
  });
});

describe('settings fail narrowly: each feature on its own settings', () => {
  const STORAGE = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };

  it('a bad probe setting disables the probe feature only', () => {
    const config = parseConfig({ ...STORAGE, PLS_RESOURCE_IDS: PLS, PROBE_CONCURRENCY: 'lots' });
    expect(config.approval.plsResourceIds).toEqual([PLS]);
    expect(config.auth.mode).toBe('easyauth');
    const error = appErrorOf(() => config.probe);
    expect(error.code).toBe('config_invalid');
    expect(error.issues.map((i) => i.path)).toEqual(['PROBE_CONCURRENCY']);
    expect(error.message).toContain('probe feature is off');
    expect(config.settingIssues.probe).toHaveLength(1);
    expect(config.settingIssues.approval).toEqual([]);
  });

  it('a bad approval setting disables approval only; a bad API setting the API only', () => {
    const config = parseConfig({ ...STORAGE, APPROVAL_MODE: 'dryrun', AUTH_MODE: 'none' });
    expect(appErrorOf(() => config.approval).issues.map((i) => i.path)).toEqual(['APPROVAL_MODE']);
    expect(appErrorOf(() => config.auth).issues.map((i) => i.path)).toEqual(['AUTH_MODE']);
    expect(config.probe.concurrency).toBe(32);
  });

  it('write hosts: loopback plus APP_HOST_NAMES outside Azure; WEBSITE_HOSTNAME plus APP_HOST_NAMES in Azure', () => {
    const local = parseConfig({ ...STORAGE, APP_HOST_NAMES: 'Gatekeeper.Contoso.example' });
    expect(local.auth.writeHosts).toEqual({ names: new Set(['gatekeeper.contoso.example']), loopback: true });
    const azure = parseConfig({
      ...STORAGE,
      WEBSITE_SITE_NAME: 'func-gk',
      WEBSITE_HOSTNAME: 'func-gk.azurewebsites.net',
    });
    expect(azure.auth.writeHosts).toEqual({ names: new Set(['func-gk.azurewebsites.net']), loopback: false });
    // A URL or a port is not a host name: the API goes off rather than guess (fail closed).
    const bad = parseConfig({ ...STORAGE, APP_HOST_NAMES: 'https://gatekeeper.contoso.example' });
    expect(appErrorOf(() => bad.auth).issues.map((i) => i.path)).toEqual(['APP_HOST_NAMES']);
    expect(bad.probe.concurrency).toBe(32);
  });

  it('echoes the rejected value, except for settings that may hold a secret', () => {
    const config = parseConfig({ ...STORAGE, APPROVAL_MODE: 'dryrun', PROBE_SCHEDULE: '* * * * *' });
    expect(appErrorOf(() => config.approval).message).toContain(
      'APPROVAL_MODE: expected one of enforce, dry-run, off; got "dryrun"',
    );
    expect(appErrorOf(() => config.probe).message).toContain('got "* * * * *"');
    expect(configError({ ...STORAGE, TABLE_NAME_PREFIX: '1bad' }).message).toContain('got "1bad"');
    const storage = SETTINGS.find((spec) => spec.name === 'AzureWebJobsStorage') as SettingSpec;
    expect(storage.secret).toBe(true);
    expect(rejectedValue(storage, 'AccountKey=c2VjcmV0')).not.toContain('c2VjcmV0');
    expect(rejectedValue({ ...storage, secret: false }, 'AccountKey=c2VjcmV0')).toContain('c2VjcmV0');
    expect(rejectedValue({ ...storage, secret: false }, 'x'.repeat(500)).length).toBeLessThan(80);
  });

  it("a misspelled setting close to one of ours is an error naming both, in that setting's feature", () => {
    const config = parseConfig({ ...STORAGE, APROVAL_MODE: 'dry-run' });
    const error = appErrorOf(() => config.approval);
    expect(error.issues).toEqual([
      expect.objectContaining({ path: 'APROVAL_MODE', message: expect.stringContaining('APPROVAL_MODE') }),
    ]);
    expect(config.probe.concurrency).toBe(32);
    const probe = parseConfig({ ...STORAGE, PROBE_CONCURENCY: '8', probe_schedule: '0 * * * * *' });
    expect(appErrorOf(() => probe.probe).issues.map((i) => i.path)).toEqual(['PROBE_CONCURENCY']);
    const storage = configError({ AzureWebJobsStorage__acountName: 'stgk01', AzureWebJobsStorage: 'x' });
    expect(storage.issues.map((i) => i.path)).toEqual(['AzureWebJobsStorage__acountName']);
  });

  it('ignores platform and SDK variables and names far from ours', () => {
    const config = parseConfig({
      ...STORAGE,
      WEBSITE_AUTH_ENABLED: 'true',
      FUNCTIONS_WORKER_RUNTIME: 'node',
      AZURE_TENANT_ID: '00000000-0000-0000-0000-000000000001',
      AZURE_CLIENT_SECRET: 'x',
      MSI_ENDPOINT: 'http://127.0.0.1:41741/msi/token',
      IDENTITY_ENDPOINT: 'http://127.0.0.1:41741/msi/token',
      AzureWebJobsStorage__credential: 'managedidentity',
      AzureWebJobsStorage__blobServiceUri: 'https://a.blob.core.windows.net',
      AzureWebJobsScriptRoot: '/home/site/wwwroot',
      LOCAL_PORT: '7072',
      HOME: '/root',
    });
    expect(allSettingIssues(config)).toEqual([]);
  });
});

describe('optional settings are isolated: a bad one disables only what uses it', () => {
  const STORAGE = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };
  const KEY = 'k'.repeat(40);
  const WEBHOOKS = '[{"name":"ops","kind":"generic","url":"http://127.0.0.1:9/hook"}]';

  it('stops everything only for storage, ARM and the table prefix (platform values cannot be bad)', () => {
    const common = SETTINGS.filter((spec) => featureOf(spec) === 'common').map((spec) => spec.name);
    expect(common.sort()).toEqual(
      [
        'AzureWebJobsStorage',
        'AzureWebJobsStorage__accountName',
        'AzureWebJobsStorage__tableServiceUri',
        'AzureWebJobsStorage__queueServiceUri',
        'AzureWebJobsStorage__clientId',
        'TABLE_NAME_PREFIX',
        'ARM_ENDPOINT',
        'AZURE_CLIENT_ID',
        'REGION_NAME',
        'WEBSITE_SITE_NAME',
        'WEBSITE_AUTH_ENABLED',
        'WEBSITE_HOSTNAME',
      ].sort(),
    );
  });

  // One bad value of each kind of optional setting, and the feature it may switch off.
  const BAD: readonly [string, Record<string, string>, Feature][] = [
    ['DASHBOARD_URL', { DASHBOARD_URL: 'http://dashboard.example.com/api/dashboard' }, 'dashboardLinks'],
    ['DASHBOARD_URL', { DASHBOARD_URL: 'not a url' }, 'dashboardLinks'],
    ['DASHBORD_URL', { DASHBORD_URL: 'https://x.example/api/dashboard' }, 'dashboardLinks'],
    [
      'NOTIFY_WEBHOOKS[0].url',
      { NOTIFY_WEBHOOKS: '[{"name":"x","kind":"teams","url":"http://example.com/h"}]' },
      'notify',
    ],
    ['NOTIFY_MAX_ATTEMPTS', { NOTIFY_WEBHOOKS: WEBHOOKS, NOTIFY_MAX_ATTEMPTS: 'lots' }, 'notify'],
    ['NOTIFY_RETRY_BASE_SECONDS', { NOTIFY_RETRY_BASE_SECONDS: '0' }, 'notify'],
    ['NOTIFY_TIMEOUT_SECONDS', { NOTIFY_TIMEOUT_SECONDS: '999' }, 'notify'],
    ['NOTIFY_SWEEP_SCHEDULE', { NOTIFY_SWEEP_SCHEDULE: '*/5 * * * *' }, 'notify'],
    ['NOTIFY_QUEUE_NAME', { NOTIFY_QUEUE_NAME: 'Bad_Queue' }, 'notify'],
    ['NOTIFY_PENDING_REMINDER_HOURS', { NOTIFY_PENDING_REMINDER_HOURS: '0' }, 'notify'],
    ['PROBE_RUN_LOCATION', { PROBE_RUN_LOCATION: 'west/europe' }, 'telemetry'],
    ['AUTH_ALLOWED_TENANT_IDS', { AUTH_ALLOWED_TENANT_IDS: 'contoso' }, 'api'],
    [
      'ENTITLEMENT_URL',
      { ENTITLEMENT_URL: 'http://billing.example.com/check', ENTITLEMENT_SIGNING_KEY: KEY },
      'entitlement',
    ],
    [
      'ENTITLEMENT_SIGNING_KEY',
      { ENTITLEMENT_URL: 'https://billing.example.com/check', ENTITLEMENT_SIGNING_KEY: 'short' },
      'entitlement',
    ],
    ['ENTITLEMENT_SIGNING_KEY', { ENTITLEMENT_URL: 'https://billing.example.com/check' }, 'entitlement'],
    ['ENTITLEMENT_TIMEOUT_SECONDS', { ENTITLEMENT_TIMEOUT_SECONDS: '600' }, 'entitlement'],
  ];

  it.each(BAD)('a bad %s is a problem of its own feature; the others read as usual', (path, env, feature) => {
    const config = parseConfig({ ...STORAGE, PLS_RESOURCE_IDS: PLS, ...env });
    expect(allSettingIssues(config).map((i) => i.path)).toEqual([path]);
    expect(config.settingIssues[feature].map((i) => i.path)).toEqual([path]);
    // Approval and probing never depend on an optional setting.
    expect(config.approval.plsResourceIds).toEqual([PLS]);
    expect(config.probe.concurrency).toBe(32);
    if (feature !== 'api') expect(config.auth.mode).toBe('easyauth');
    if (feature === 'notify' || feature === 'telemetry' || feature === 'api' || feature === 'entitlement') {
      const section = feature === 'api' ? 'auth' : feature;
      const error = appErrorOf(() => config[section]);
      expect(error.code).toBe('config_invalid');
      expect(error.issues.map((i) => i.path)).toEqual([path]);
    }
    if (feature === 'dashboardLinks') {
      // Notifications stay on; only their dashboard button is gone.
      expect(config.notify.dashboardUrl).toBeUndefined();
      expect(config.notify.maxAttempts).toBe(8);
    }
  });

  it('the entitlement check is off (null) without ENTITLEMENT_URL, and its key is never echoed in a problem', () => {
    expect(parseConfig({ ...STORAGE }).entitlement).toBeNull();
    const on = parseConfig({
      ...STORAGE,
      ENTITLEMENT_URL: 'http://127.0.0.1:9/check',
      ENTITLEMENT_SIGNING_KEY: KEY,
    });
    expect(on.entitlement).toMatchObject({ secret: KEY, timeoutSeconds: 5 });
    const bad = parseConfig({
      ...STORAGE,
      ENTITLEMENT_URL: 'https://x.example/c',
      ENTITLEMENT_SIGNING_KEY: 'has a space in it 0123456789abcdef',
    });
    expect(JSON.stringify(bad.settingIssues)).not.toContain('has a space');
  });

  it('DASHBOARD_URL takes https anywhere and plain http only on loopback hosts, like ARM_ENDPOINT', () => {
    for (const url of [
      'https://func-gatekeeper-prod.azurewebsites.net/api/dashboard',
      'http://127.0.0.1:7097/api/dashboard',
      'http://localhost:7071/api/dashboard',
      'http://[::1]:7071/api/dashboard',
    ]) {
      const config = parseConfig({ ...STORAGE, DASHBOARD_URL: url });
      expect(allSettingIssues(config), url).toEqual([]);
      expect(config.notify.dashboardUrl).toBe(url);
    }
    const config = parseConfig({ ...STORAGE, DASHBOARD_URL: 'http://10.0.0.5/api/dashboard' });
    expect(config.settingIssues.dashboardLinks).toEqual([
      {
        path: 'DASHBOARD_URL',
        message: expect.stringContaining('plain http is accepted only for loopback hosts'),
      },
    ]);
  });
});

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps as one', () => {
    expect(editDistance('APPROVAL_MODE', 'APROVAL_MODE')).toBe(1);
    expect(editDistance('APPROVAL_MODE', 'APPROVLA_MODE')).toBe(1);
    expect(editDistance('APPROVAL_MODE', 'APPROVAL_MODES')).toBe(1);
    expect(editDistance('ABC', 'XYZ')).toBe(3);
    expect(editDistance('', 'AB')).toBe(2);
  });
});
