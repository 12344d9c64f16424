import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../functions/registry';
import { emptyCounts } from '../../shared/approval/use-cases/reconcile-pls';
import { type BicepFile, parameters, variables } from '../helpers/bicep';
import {
  appSettingsOf,
  checkAppSettings,
  checkCustomRoles,
  checkEventFilters,
  checkRegistryReferences,
  exampleProbeTargetsParse,
  paramFilesMatchTemplates,
} from './checks/consistency';
import { describe as explain } from './checks/violation';
import { infraFiles, REPO_ROOT } from './infra-fixture';

let files: BicepFile[];
beforeAll(async () => {
  files = await infraFiles();
});

describe('infra agrees with the code', () => {
  it('each function app sets every app setting its side needs, and only known ones', () => {
    const violations = checkAppSettings(files);
    expect(violations, explain(violations)).toEqual([]);
  });

  it('the Event Grid filters equal ACCEPTED_EVENT_TYPES and ACCEPTED_OPERATION_NAMES', () => {
    const violations = checkEventFilters(files);
    expect(violations, explain(violations)).toEqual([]);
  });

  it('the custom roles hold exactly ARM_OPERATIONS and CONSUMER_ARM_OPERATIONS', () => {
    const violations = checkCustomRoles(files);
    expect(violations, explain(violations)).toEqual([]);
  });

  it('function names, routes and schedule settings used by infra exist in the registry', () => {
    const violations = checkRegistryReferences(files, FUNCTIONS);
    expect(violations, explain(violations)).toEqual([]);
  });

  it('parameter files set declared parameters only, all required ones, no secret literals', () => {
    const violations = paramFilesMatchTemplates(files);
    expect(violations, explain(violations)).toEqual([]);
  });

  it('example probe targets parse with the probe target parser', () => {
    const violations = exampleProbeTargetsParse(files);
    expect(violations, explain(violations)).toEqual([]);
  });
});

describe('alert queries rely only on what the app writes (docs/deploy.md#alerts)', () => {
  function sourceFiles(dir: string): string[] {
    return readdirSync(join(REPO_ROOT, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(join(REPO_ROOT, dir, f), 'utf8'));
  }

  it('every approval.* event a provider alert queries is logged by shared/ with that literal name', () => {
    const provider = files.find((f) => f.path === 'infra/provider/main.bicep');
    const rules = provider === undefined ? undefined : variables(provider).get('approvalAlertRules');
    const queried = new Set([...(rules?.text ?? '').matchAll(/approval\.[a-z_.]+[a-z_]/g)].map((m) => m[0]));
    expect([...queried].sort()).toEqual([
      'approval.exposure_contradiction',
      'approval.policy_invalid',
      'approval.reconcile.pls_failed',
      'approval.reconcile.summary',
    ]);
    const code = sourceFiles('shared').join('\n');
    for (const event of queried) expect(code, event).toContain(`event: '${event}'`);
  });

  it('the summary line carries outcomes.manual, which the waiting-connections alert counts', () => {
    expect(Object.keys(emptyCounts())).toContain('manual');
  });

  it('the consumer alert splits availability results by test name', () => {
    const consumer = files.find((f) => f.path === 'infra/consumer/main.bicep');
    const rules = consumer === undefined ? undefined : variables(consumer).get('availabilityAlertRules');
    expect(rules?.text).toContain("query: 'availabilityResults");
    expect(rules?.text).toMatch(/dimensions: \[\s*'name'\s*\]/);
  });
});

describe('no deployment serves data routes with a forgeable principal', () => {
  for (const entry of ['infra/provider/main.bicep', 'infra/consumer/main.bicep']) {
    it(`${entry}: Easy Auth is always deployed, its client id is required, and principals are held to the tenant`, () => {
      const file = files.find((f) => f.path === entry);
      if (file === undefined) throw new Error(`missing ${entry}`);
      // x-ms-client-principal is only stripped from callers' requests where Easy Auth is on.
      expect(file.text).toMatch(/^module auth '[^']*app-auth\.bicep' = \{/m);
      const clientId = parameters(file).find((p) => p.name === 'authClientId');
      expect(clientId?.defaultValue, 'authClientId must have no default').toBeUndefined();
      const allowed = appSettingsOf(files, entry).find((s) => s.name === 'AUTH_ALLOWED_TENANT_IDS');
      expect(['tenant().tenantId', 'authTenantId']).toContain(allowed?.value?.text);
    });
  }
});
