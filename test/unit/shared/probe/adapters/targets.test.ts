import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../../shared/errors';
import {
  globToRegExp,
  loadProbeTargets,
  parseProbeTargets,
  parseStatusRange,
} from '../../../../../shared/probe/adapters/targets';

function problems(text: string): AppError {
  try {
    parseProbeTargets(text);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected parseProbeTargets to throw');
}

describe('parseProbeTargets', () => {
  it('fills every default for a minimal target', () => {
    const [target] = parseProbeTargets('- id: iis\n  url: http://10.0.0.5/\n');
    expect(target).toMatchObject({
      id: 'iis',
      displayName: 'iis',
      method: 'GET',
      expectedIp: undefined,
      headers: {},
      maxBodyBytes: 1024 * 1024,
      retries: 1,
      failureThreshold: 3,
      successThreshold: 2,
      maintenance: [],
      timeouts: { connectMs: 3000, firstByteMs: 5000, bodyIdleMs: 5000, totalMs: 10000 },
      assertions: { status: [{ from: 200, to: 399 }], bodyContains: [], bodyRegex: [], headers: {} },
    });
    expect(target?.url.href).toBe('http://10.0.0.5/');
  });

  it('reads the object form with every field', () => {
    const [target] = parseProbeTargets(
      JSON.stringify({
        targets: [
          {
            id: 'iis-pe',
            displayName: 'IIS through the PE',
            url: 'https://web.contoso.internal/health',
            expectedIp: '10.0.0.5',
            method: 'HEAD',
            headers: { 'X-Probe': 'gatekeeper' },
            assertions: {
              status: [200, '301-302', '2xx'],
              bodyContains: 'IIS Windows Server',
              bodyRegex: ['<title>IIS', '/windows server/i'],
              headers: { Server: 'Microsoft-IIS/*', 'X-Powered-By': '/^ASP\\.NET$/' },
            },
            latencySloMs: 500,
            timeouts: { totalMs: 2000 },
            maxBodyBytes: 4096,
            retries: 0,
            failureThreshold: 2,
            successThreshold: 1,
            maintenance: [{ cron: '0 0 2 * * SUN', durationMinutes: 60, timeZone: 'Europe/Berlin' }],
            dependsOn:
              '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-c/providers/Microsoft.Network/privateEndpoints/pe-web',
          },
        ],
      }),
    );
    expect(target?.assertions.status).toEqual([
      { from: 200, to: 200 },
      { from: 301, to: 302 },
      { from: 200, to: 299 },
    ]);
    expect(target?.assertions.bodyContains).toEqual(['IIS Windows Server']);
    expect(target?.assertions.bodyRegex[1]?.test('WINDOWS SERVER')).toBe(true);
    expect(target?.assertions.headers.server?.test('Microsoft-IIS/10.0')).toBe(true);
    expect(target?.assertions.headers.server?.test('nginx/1.25')).toBe(false);
    expect(target?.assertions.headers['x-powered-by']?.test('ASP.NET')).toBe(true);
    // Unset parts of the timeouts never exceed the total that was chosen.
    expect(target?.timeouts).toEqual({ connectMs: 2000, firstByteMs: 2000, bodyIdleMs: 2000, totalMs: 2000 });
    expect(target?.maintenance).toEqual([
      { cron: '0 0 2 * * SUN', durationMinutes: 60, timeZone: 'Europe/Berlin' },
    ]);
  });

  it('lists every problem with its path in one error', () => {
    const error = problems(`
targets:
  - id: a
    url: ftp://example/
    expectedIp: 10.0.0.300
    method: POST
    assertions:
      status: [200, "abc", "300-200"]
      bodyRegex: ["ok", "(unclosed"]
      headers: { Server: "/[/" }
    timeouts: { connectMs: 20000 }
    retries: 4
    maintenance:
      - { cron: "61 * * * *", durationMinutes: 30, timeZone: Mars/Olympus }
      - { cron: "* * *", durationMinutes: 0 }
    dependsOn: /subscriptions/nope
    ca: not a pem
    extra: true
  - id: A
    url: http://127.0.0.1/
`);
    expect(error.code).toBe('config_invalid');
    const byPath = new Map(error.issues.map((i) => [i.path, i.message]));
    expect([...byPath.keys()].sort()).toEqual(
      [
        'targets[0]',
        'targets[0].url',
        'targets[0].expectedIp',
        'targets[0].method',
        'targets[0].assertions.status[1]',
        'targets[0].assertions.status[2]',
        'targets[0].assertions.bodyRegex[1]',
        'targets[0].assertions.headers.Server',
        'targets[0].timeouts.connectMs',
        'targets[0].retries',
        'targets[0].maintenance[0].cron',
        'targets[0].maintenance[0].timeZone',
        'targets[0].maintenance[1].cron',
        'targets[0].maintenance[1].durationMinutes',
        'targets[0].dependsOn',
        'targets[0].ca',
        // The duplicate id is listed with the rest, not only once everything else is fixed.
        'targets[1].id',
      ].sort(),
    );
    expect(byPath.get('targets[0].assertions.status[1]')).toBe(
      'expected a status code or range like "200-299" (or "2xx")',
    );
    expect(byPath.get('targets[0].assertions.bodyRegex[1]')).toMatch(
      /invalid regular expression "\(unclosed"/,
    );
    expect(byPath.get('targets[0]')).toMatch(/extra/);
    expect(error.message).toMatch(/targets\[0\]\.retries/);
  });

  it('reports a duplicate id (ignoring case) with both positions', () => {
    const error = problems(
      '- { id: web, url: "http://127.0.0.1/" }\n- { id: WEB, url: "http://127.0.0.2/" }\n',
    );
    expect(error.issues).toEqual([
      {
        path: 'targets[1].id',
        message: 'duplicate id "WEB" (already used by targets[0]; ids are compared ignoring case)',
      },
    ]);
  });

  it('refuses an invalid cron in a valid time zone, and credentials in the URL', () => {
    const error = problems(`
- id: a
  url: http://user:secret@127.0.0.1/
  maintenance: [{ cron: "0 0 25 * * *", durationMinutes: 5 }]
`);
    const paths = error.issues.map((i) => i.path).sort();
    expect(paths).toEqual(['targets[0].maintenance[0].cron', 'targets[0].url']);
    expect(error.message).not.toMatch(/secret/);
  });

  it('says what the top level should be', () => {
    expect(problems('id: a').issues).toContainEqual({
      path: 'targets',
      message: 'expected a list of targets',
    });
    expect(problems('42').issues).toEqual([
      { path: '(root)', message: 'expected a list of targets, or an object with a "targets" list' },
    ]);
    expect(problems('- [').code).toBe('config_invalid');
  });

  it('accepts a PLS connection id as dependsOn and a PEM bundle as ca', async () => {
    const { generate } = await import('selfsigned');
    const pems = await generate([{ name: 'commonName', value: 'test-ca' }], { keySize: 2048 });
    const [target] = parseProbeTargets(
      JSON.stringify([
        {
          id: 'x',
          url: 'https://127.0.0.1:8443/',
          dependsOn:
            '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-p/providers/Microsoft.Network/privateLinkServices/pls-web/privateEndpointConnections/pe-web.0f0e',
          ca: `${pems.cert}\n${pems.cert}`,
        },
      ]),
    );
    expect(target?.dependsOn).toMatch(/privateEndpointConnections\/pe-web\.0f0e$/);
    expect(target?.ca).toContain('BEGIN CERTIFICATE');
  });
});

describe('loadProbeTargets', () => {
  it('reads a file relative to the app root, and names a missing one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'targets-'));
    await writeFile(join(dir, 't.yaml'), '- id: a\n  url: http://127.0.0.1:8080/\n');
    const loaded = await loadProbeTargets({ kind: 'file', path: 't.yaml' }, dir);
    expect(loaded.value.map((t) => t.id)).toEqual(['a']);
    expect(loaded.origin).toBe('t.yaml');
    await expect(loadProbeTargets({ kind: 'file', path: 'missing.yaml' }, dir)).rejects.toMatchObject({
      code: 'config_invalid',
      message: 'missing.yaml: file not found',
    });
  });

  it('reads inline JSON from the app setting and names the setting in errors', async () => {
    const loaded = await loadProbeTargets(
      { kind: 'inline', text: '[{"id":"iis","url":"http://10.0.0.5/"}]' },
      '/',
    );
    expect(loaded.value[0]?.url.hostname).toBe('10.0.0.5');
    await expect(loadProbeTargets({ kind: 'inline', text: '[{"id":"iis"}]' }, '/')).rejects.toThrow(
      /app setting PROBE_TARGETS has 1 problem\(s\):\n {2}- targets\[0\]\.url/,
    );
  });
});

describe('status ranges and globs', () => {
  it('parses codes, ranges and classes and refuses the rest', () => {
    expect(parseStatusRange(204)).toEqual({ from: 204, to: 204 });
    expect(parseStatusRange(' 200 - 299 ')).toEqual({ from: 200, to: 299 });
    expect(parseStatusRange('4xx')).toEqual({ from: 400, to: 499 });
    for (const bad of [99, 600, '20', '299-200', 'ok', 200.5]) expect(parseStatusRange(bad)).toBeUndefined();
  });

  it('matches globs on the whole value, any case, with regex characters taken literally', () => {
    const glob = globToRegExp('Microsoft-IIS/*');
    expect(glob.test('microsoft-iis/10.0')).toBe(true);
    expect(glob.test('xMicrosoft-IIS/10.0')).toBe(false);
    expect(globToRegExp('a.b?').test('a.bc')).toBe(true);
    expect(globToRegExp('a.b?').test('axbc')).toBe(false);
  });
});

describe('service-level objective', () => {
  it('reads slo with its defaults (95 % latency share, 30 days) and none when absent', () => {
    const [withSlo, without] = parseProbeTargets(`
- id: a
  url: http://127.0.0.1/
  slo: { availability: 99.9, latencyMs: 500, window: 28d }
- id: b
  url: http://127.0.0.1/
`);
    expect(withSlo?.slo).toEqual({ availability: 99.9, latencyMs: 500, latencyTarget: 95, windowDays: 28 });
    expect(without?.slo).toBeUndefined();
  });

  it('names the field of every bad slo value', () => {
    let error: unknown;
    try {
      parseProbeTargets(`
- id: a
  url: http://127.0.0.1/
  slo: { availability: 100, latencyMs: -1, latencyTarget: 101, window: 30 days, burn: 2 }
- id: b
  url: http://127.0.0.1/
  slo: { availability: 99, latencyTarget: 90 }
`);
    } catch (e) {
      error = e;
    }
    const issues = (error as { issues: { path: string; message: string }[] }).issues;
    expect(issues.map((i) => i.path).sort()).toEqual([
      'targets[0].slo',
      'targets[0].slo.availability',
      'targets[0].slo.latencyMs',
      'targets[0].slo.latencyTarget',
      'targets[0].slo.window',
      'targets[1].slo.latencyMs',
    ]);
    expect(issues.find((i) => i.path === 'targets[0].slo.availability')?.message).toMatch(/no error budget/);
  });
});
