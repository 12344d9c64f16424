import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../shared/config/config';
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

  it('lists every bad or missing setting in one error', () => {
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

  it('refuses dev auth mode in Azure', () => {
    const error = configError({ AzureWebJobsStorage: 'x', AUTH_MODE: 'dev', WEBSITE_SITE_NAME: 'func-prod' });
    expect(error.issues).toEqual([expect.objectContaining({ path: 'AUTH_MODE' })]);
  });
});
