import { describe, expect, it } from 'vitest';
import { Container } from '../../../../shared/composition-root';
import { checkHealth, tableStorageCheck } from '../../../../shared/health/health-check';
import { testContainer } from '../../../helpers/storage';

describe('checkHealth against Azurite', () => {
  it('reports Table Storage up when Azurite answers', async () => {
    const container = testContainer();
    const report = await checkHealth(container, '1.2.3', [tableStorageCheck(container)]);
    expect(report.status).toBe('healthy');
    expect(report.dependencies).toEqual([expect.objectContaining({ name: 'tableStorage', status: 'up' })]);
  });

  it('reports Table Storage down when nothing listens there', async () => {
    const container = new Container({
      env: {
        AzureWebJobsStorage:
          'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:9/devstoreaccount1',
      },
    });
    const report = await checkHealth(container, '1.2.3', [tableStorageCheck(container)]);
    expect(report.status).toBe('unhealthy');
    expect(report.dependencies[0]).toMatchObject({ name: 'tableStorage', status: 'down' });
  });

  it('reports the configuration as down, by setting name, when settings are invalid', async () => {
    const container = new Container({ env: { APPROVAL_MODE: 'maybe' } });
    const report = await checkHealth(container, '1.2.3', [tableStorageCheck(container)]);
    expect(report.status).toBe('unhealthy');
    expect(report.dependencies[0]?.reason).toContain('APPROVAL_MODE');
    expect(report.dependencies[0]?.reason).toContain('AzureWebJobsStorage');
  });
});
