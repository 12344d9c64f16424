import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpRequest, type HttpResponseInit, InvocationContext } from '@azure/functions';
import { afterEach, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { health } from '../../../../functions/health';
import { probesSummary } from '../../../../functions/probesSummary';
import { probesSummarySchema } from '../../../../shared/api/core/api-schemas';
import { healthReportSchema } from '../../../../shared/api/core/meta-schemas';
import { setContainer } from '../../../../shared/composition-root';
import { policyHealthChecks } from '../../../../shared/health/checks/policy-health-check';
import { checkHealth, tableStorageCheck } from '../../../../shared/health/health-check';
import { rememberRemoteAddress } from '../../../../shared/http/remote-address';
import { parseBody } from '../../../helpers/parse-body';
import { principalHeader, type Role } from '../../../helpers/principals';
import { testContainer } from '../../../helpers/storage';

const PLS =
  '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-p/providers/Microsoft.Network/privateLinkServices/pls-web';
const POLICY = 'version: 1\nrules: []\ndefault:\n  action: manual\n';
const TARGETS = '[{"id":"web","url":"http://127.0.0.1:9/"}]';

afterEach(() => setContainer(undefined));

async function call<S extends z.ZodType>(
  definition: typeof health,
  path: string,
  as: Role | undefined,
  schema: S,
): Promise<{ status: number; body: z.output<S> }> {
  const request = new HttpRequest({
    url: `http://127.0.0.1:7071/api/${path}`,
    method: 'GET',
    headers: as === undefined ? {} : { 'x-ms-client-principal': principalHeader(as) },
  });
  // Dev mode serves loopback callers only; the local host records the socket's address like this.
  rememberRemoteAddress(request, '127.0.0.1');
  const response = (await definition.handler(request, new InvocationContext())) as HttpResponseInit;
  return { status: response.status ?? 200, body: await parseBody(schema, response) };
}

describe('GET /api/health', () => {
  it('tells anonymous callers only the status and each dependency up/down; readers get the details', async () => {
    setContainer(testContainer({ PROBE_TARGETS: TARGETS, PROBE_CONCURRENCY: 'lots' }));
    const anonymous = await call(health, 'health', undefined, healthReportSchema);
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toEqual({
      status: 'degraded',
      dependencies: [{ name: 'tableStorage', status: 'up' }],
    });
    expect(JSON.stringify(anonymous.body)).not.toContain('PROBE_CONCURRENCY');
    const stranger = await call(health, 'health', 'none', healthReportSchema);
    expect(Object.keys(stranger.body).sort()).toEqual(['dependencies', 'status']);

    const reader = await call(health, 'health', 'reader', healthReportSchema);
    expect(reader.status).toBe(200);
    expect(reader.body).toMatchObject({
      status: 'degraded',
      features: {
        approval: { state: 'not configured' },
        api: { state: 'on', detail: { authMode: 'easyauth' } },
        probe: {
          state: 'invalid',
          problem: {
            issues: [{ path: 'PROBE_CONCURRENCY', message: expect.stringContaining('got "lots"') }],
            issueCount: 1,
          },
        },
      },
    });
  });

  it('a bad probe setting leaves approval deciding and the API answering', async () => {
    const container = testContainer({
      PLS_RESOURCE_IDS: PLS,
      APPROVAL_POLICY: POLICY,
      APPROVAL_MODE: 'dry-run',
      PROBE_CONCURRENCY: 'lots',
    });
    const report = await checkHealth(container, 't', [
      tableStorageCheck(container),
      ...policyHealthChecks(container),
    ]);
    expect(report.status).toBe('degraded');
    expect(report.features.approval).toMatchObject({ state: 'on', detail: { mode: 'dry-run' } });
    expect(report.features.api?.state).toBe('on');
    expect(report.features.probe?.state).toBe('invalid');
    expect(container.config.approval.mode).toBe('dry-run');
  });

  it('tells readers of a provider app how new connections arrived (event or reconciliation); anonymous callers not', async () => {
    setContainer(testContainer({ PLS_RESOURCE_IDS: PLS, APPROVAL_POLICY: POLICY }));
    const reader = await call(health, 'health', 'reader', healthReportSchema);
    expect(reader.body.eventFastPath).toMatchObject({
      windowDays: 30,
      newConnections: 0,
      line: expect.stringContaining('event fast path'),
    });
    expect((await call(health, 'health', undefined, healthReportSchema)).body.eventFastPath).toBeUndefined();
  });

  it('a provider app without a policy is not healthy, and says "policy missing"', async () => {
    const appRoot = mkdtempSync(join(tmpdir(), 'plg-health-'));
    const container = testContainer({ PLS_RESOURCE_IDS: PLS }, { appRoot });
    const report = await checkHealth(container, 't', [
      tableStorageCheck(container),
      ...policyHealthChecks(container),
    ]);
    expect(report.status).not.toBe('healthy');
    expect(report.features.approval).toMatchObject({
      state: 'invalid',
      detail: { policy: 'missing' },
      problem: { message: expect.stringContaining('policy missing: approval-policy.yaml') },
    });
  });

  it('invalid targets make health degraded and the summary say why it is empty', async () => {
    const appRoot = mkdtempSync(join(tmpdir(), 'plg-health-'));
    writeFileSync(
      join(appRoot, 'targets.yaml'),
      '- id: web\n  url: not a url\n- id: WEB\n  url: http://127.0.0.1/\n',
    );
    setContainer(testContainer({ AUTH_MODE: 'dev', PROBE_TARGETS_PATH: 'targets.yaml' }, { appRoot }));
    const report = await call(health, 'health', undefined, healthReportSchema);
    expect(report.body).toMatchObject({ status: 'degraded', features: { probe: { state: 'invalid' } } });
    const summary = await call(probesSummary, 'probes/summary', undefined, probesSummarySchema);
    expect(summary.status).toBe(200);
    expect(summary.body).toMatchObject({
      targets: [],
      targetsProblem: {
        message: expect.stringContaining('probe targets are invalid'),
        issues: expect.arrayContaining([expect.objectContaining({ path: 'targets[0].url' })]),
      },
    });
  });

  it('with no targets file at the default path the probe is "not configured", not a problem', async () => {
    const appRoot = mkdtempSync(join(tmpdir(), 'plg-health-'));
    setContainer(testContainer({ AUTH_MODE: 'dev' }, { appRoot }));
    const report = await call(health, 'health', undefined, healthReportSchema);
    expect(report.body).toMatchObject({
      status: 'healthy',
      features: { probe: { state: 'not configured' } },
    });
    const summary = await call(probesSummary, 'probes/summary', undefined, probesSummarySchema);
    expect(summary.body.targetsProblem).toBeUndefined();
  });
});
