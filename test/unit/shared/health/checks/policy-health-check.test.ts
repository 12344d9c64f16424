import { describe, expect, it } from 'vitest';
import { Container } from '../../../../../shared/composition-root';
import { policyHealthChecks } from '../../../../../shared/health/checks/policy-health-check';
import { checkHealth } from '../../../../../shared/health/health-check';
import { PLS_WEB } from '../../approval/core/policy/policy-fixtures';

const env = (extra: Record<string, string>) =>
  new Container({ env: { AzureWebJobsStorage: 'UseDevelopmentStorage=true', ...extra } });

describe('policy health check', () => {
  it('is up with a valid policy, down with the problem when it does not load, absent without PLS', async () => {
    const good = env({
      PLS_RESOURCE_IDS: PLS_WEB,
      APPROVAL_POLICY: 'version: 1\ndefault: { action: manual }\n',
    });
    expect((await checkHealth(good, 't', policyHealthChecks(good))).dependencies).toEqual([
      expect.objectContaining({ name: 'approvalPolicy', status: 'up' }),
    ]);
    const bad = env({
      PLS_RESOURCE_IDS: PLS_WEB,
      APPROVAL_POLICY: 'version: 1\ndefault: { action: approve }\n',
    });
    const report = await checkHealth(bad, 't', policyHealthChecks(bad));
    expect(report.status).toBe('unhealthy');
    expect(report.dependencies[0]?.reason).toContain('default.action');
    expect(policyHealthChecks(env({}))).toEqual([]);
  });
});
