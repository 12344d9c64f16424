import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeTargetsOf, seedOf } from '../../../../scripts/lab/lab-world';
import {
  loadScenario,
  parseScenario,
  privateEndpointIdOf,
  targetPls,
} from '../../../../scripts/lab/scenario';
import { loadPolicy } from '../../../../shared/approval/adapters/policy-loader';
import { AppError } from '../../../../shared/errors';
import { parseProbeTargets } from '../../../../shared/probe/adapters/targets';

const ROOT = join(__dirname, '..', '..', '..', '..');

function issuesOf(text: string): string[] {
  try {
    parseScenario(text);
  } catch (error) {
    if (error instanceof AppError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}

const MINIMAL = `
version: 1
name: t
provider:
  subscriptionId: 11111111-1111-1111-1111-111111111111
  tenantId: aaaaaaaa-0000-0000-0000-000000000001
  privateLinkServices: [{ name: pls-web }]
consumers:
  - label: A
    subscriptionId: 22222222-2222-2222-2222-222222222222
    endpoint: pe-a
    privateLinkService: pls-web
    connectAfterSeconds: 1
`;

describe('scenario file', () => {
  it.each(['lab/default-scenario.yaml', 'lab/short-scenario.yaml'])(
    '%s is valid and tells the whole story',
    async (file) => {
      const scenario = await loadScenario(file, ROOT);
      const expectations = new Set(scenario.consumers.map((c) => c.expect));
      expect(expectations).toEqual(new Set(['approve', 'reject', 'manual']));
      expect(scenario.faults.some((f) => f.kind === 'armThrottling')).toBe(true);
      for (const consumer of scenario.consumers) expect(targetPls(scenario, consumer).name).toMatch(/^pls-/);
    },
  );

  it('the default scenario shows a backend outage and fits in about three minutes', async () => {
    const scenario = await loadScenario('lab/default-scenario.yaml', ROOT);
    const ends = [
      ...scenario.consumers.map((c) => c.connectAfterSeconds),
      ...scenario.faults.map((f) => f.startSeconds + f.durationSeconds),
    ];
    expect(Math.max(...ends)).toBeLessThanOrEqual(180);
    expect(scenario.faults.some((f) => f.kind === 'backendDown')).toBe(true);
    expect(scenario.events.consumerCreates).toBe(false);
  });

  it('applies defaults', () => {
    const scenario = parseScenario(MINIMAL);
    expect(scenario.events).toEqual({ enabled: true, consumerCreates: false });
    expect(scenario.schedules).toEqual({ reconcile: '*/15 * * * * *', probe: '*/5 * * * * *' });
    expect(scenario.provider.privateLinkServices[0]).toMatchObject({
      resourceGroup: 'rg-provider',
      backend: 'iis',
      visibility: ['*'],
    });
    expect(scenario.consumers[0]).toMatchObject({
      resourceGroup: 'rg-consumer',
      requestMessage: '',
      probe: true,
    });
  });

  it('reports every problem with its path', () => {
    const bad = MINIMAL.replace('connectAfterSeconds: 1', 'connectAfterSeconds: soon')
      .replace('privateLinkService: pls-web', 'privateLinkService: pls-nope')
      .replace('endpoint: pe-a', 'endpoint: "pe a"')
      .concat(`
faults:
  - { kind: armThrottling, startSeconds: 1, durationSeconds: 0, rate: 2, routes: [connection.explode] }
  - { kind: meteorStrike, startSeconds: 1 }
schedules: { reconcile: "*/15 * * * *" }
surprise: true
`);
    const issues = issuesOf(bad);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^consumers\[0\]\.connectAfterSeconds: expected a number of seconds/),
        expect.stringMatching(/^consumers\[0\]\.endpoint: expected an Azure resource name/),
        expect.stringMatching(/^faults\[0\]\.durationSeconds: expected more than 0 seconds/),
        expect.stringMatching(/^faults\[0\]\.rate: expected a share between 0 and 1/),
        expect.stringMatching(/^faults\[0\]\.routes\[0\]: expected one of/),
        expect.stringMatching(/^faults\[1\]\.kind/),
        expect.stringMatching(/^schedules\.reconcile: expected a six-field NCRONTAB/),
        expect.stringMatching(/surprise/),
      ]),
    );
  });

  it('refuses a consumer naming an unknown service, a duplicate endpoint and a non-loopback backend', () => {
    const issues = issuesOf(
      MINIMAL.replace(
        'privateLinkServices: [{ name: pls-web }]',
        'privateLinkServices: [{ name: pls-web, backend: "http://10.0.0.5/" }]',
      )
        .replace('privateLinkService: pls-web', 'privateLinkService: pls-other')
        .concat(`
  - label: B
    subscriptionId: 22222222-2222-2222-2222-222222222222
    endpoint: pe-a
    privateLinkService: pls-web
    connectAfterSeconds: 1
people:
  - { kind: approve, endpoint: pe-zzz, atSeconds: 5, reason: ok }
`),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^provider\.privateLinkServices\[0\]\.backend: expected "iis" or an http URL on a loopback host/,
        ),
        'consumers[0].privateLinkService: no Private Link Service with this name or alias in provider.privateLinkServices',
        'consumers[1].endpoint: duplicate private endpoint',
        'people[0].endpoint: no consumer with this endpoint name',
      ]),
    );
  });

  it('seeds the emulator with the tenants it knows (none for a consumer without one) and the services', () => {
    const scenario = parseScenario(
      MINIMAL.replace('endpoint: pe-a', 'endpoint: pe-a\n    tenantId: bbbbbbbb-0000-0000-0000-000000000002'),
    );
    const seed = seedOf(scenario);
    expect(seed.subscriptions).toEqual([
      {
        subscriptionId: '11111111-1111-1111-1111-111111111111',
        tenantId: 'aaaaaaaa-0000-0000-0000-000000000001',
      },
      {
        subscriptionId: '22222222-2222-2222-2222-222222222222',
        tenantId: 'bbbbbbbb-0000-0000-0000-000000000002',
      },
    ]);
    expect(seedOf(parseScenario(MINIMAL)).subscriptions).toHaveLength(1);
    expect(seed.privateLinkServices.map((p) => p.id)).toEqual([
      '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-provider/providers/Microsoft.Network/privateLinkServices/pls-web',
    ]);
  });

  it('makes probe targets the probe engine accepts: the endpoint address, IIS assertions, dependsOn the endpoint', async () => {
    const scenario = await loadScenario('lab/default-scenario.yaml', ROOT);
    let host = 10;
    const document = probeTargetsOf(scenario, (peId) => {
      const ip = `127.0.0.${host++}`;
      return { privateEndpointId: peId, ip, url: `http://${ip}:40123/` };
    });
    const targets = parseProbeTargets(JSON.stringify(document), 'PROBE_TARGETS');
    expect(targets).toHaveLength(scenario.consumers.filter((c) => c.probe).length);
    const first = targets[0];
    const consumer = scenario.consumers[0];
    if (first === undefined || consumer === undefined) throw new Error('no targets');
    expect(first.url.href).toBe('http://127.0.0.10:40123/');
    expect(first.expectedIp).toBe('127.0.0.10');
    expect(first.dependsOn).toBe(privateEndpointIdOf(consumer));
    expect(first.assertions.headers.server?.test('Microsoft-IIS/10.0')).toBe(true);
    expect(first.assertions.bodyContains).toEqual(['IIS Windows Server']);
  });

  it('the short scenario names a policy that exists and parses', async () => {
    const scenario = await loadScenario('lab/short-scenario.yaml', ROOT);
    expect(scenario.policy).toBeDefined();
    const text = readFileSync(join(ROOT, scenario.policy ?? ''), 'utf8');
    expect(text.length).toBeGreaterThan(0);
    await expect(loadPolicy({ kind: 'file', path: scenario.policy ?? '' }, ROOT)).resolves.toBeDefined();
  });
});

describe('TCP proxy v2 in a scenario', () => {
  const withPls = (pls: string) => `
version: 1
name: proxy
provider:
  subscriptionId: 11111111-1111-1111-1111-111111111111
  tenantId: aaaaaaaa-0000-0000-0000-000000000001
  privateLinkServices:
    - ${pls}
consumers:
  - label: A
    subscriptionId: 22222222-2222-2222-2222-222222222222
    endpoint: pe-a
    privateLinkService: pls-tcp
    connectAfterSeconds: 1
`;

  it('needs the PROXY v2 backend with the setting, and the setting with that backend', () => {
    expect(() => parseScenario(withPls('{ name: pls-tcp, enableProxyProtocol: true }'))).toThrow(/proxy-v2/);
    expect(() => parseScenario(withPls('{ name: pls-tcp, backend: proxy-v2 }'))).toThrow(
      /enableProxyProtocol/,
    );
    const scenario = parseScenario(
      withPls('{ name: pls-tcp, backend: proxy-v2, enableProxyProtocol: true }'),
    );
    expect(scenario.provider.privateLinkServices[0]).toMatchObject({
      backend: 'proxy-v2',
      enableProxyProtocol: true,
    });
  });

  it('the default scenario has one service with TCP proxy v2 on', async () => {
    const scenario = await loadScenario('lab/default-scenario.yaml', ROOT);
    expect(
      scenario.provider.privateLinkServices.filter((p) => p.enableProxyProtocol).map((p) => p.name),
    ).toEqual(['pls-api']);
  });
});
