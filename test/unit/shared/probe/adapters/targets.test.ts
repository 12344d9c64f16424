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

describe('probe kinds', () => {
  it('reads tcp and dns targets and shows each as a URL', () => {
    const [tcp, dns, http] = parseProbeTargets(`
- { id: ssh, kind: tcp, host: db.privatelink.example.com, port: 22, resolver: 168.63.129.16, expectedIp: 10.0.0.5, banner: { expect: "^SSH-2\\\\.0-" } }
- { id: zone, kind: dns, name: db.privatelink.example.com, recordType: AAAA, resolver: "[fd00::4]:5353", expectedAnswers: "fd00::5" }
- { id: web, url: http://web.privatelink.example.com/, resolver: 10.0.0.4:53 }
`);
    expect(tcp?.kind).toBe('tcp');
    expect(tcp?.url.href).toBe('tcp://db.privatelink.example.com:22');
    expect(tcp?.resolver).toEqual({ address: '168.63.129.16', port: 53 });
    expect(tcp?.tcp?.banner).toMatchObject({ maxBytes: 512, waitMs: 2000 });
    expect(tcp?.tcp?.banner?.expect?.test('SSH-2.0-OpenSSH')).toBe(true);
    expect(dns?.url.href).toBe('dns://[fd00::4]:5353/db.privatelink.example.com');
    expect(dns?.dns).toEqual({
      name: 'db.privatelink.example.com',
      recordType: 'AAAA',
      expectedAnswers: ['fd00::5'],
    });
    expect(dns?.resolver).toEqual({ address: 'fd00::4', port: 5353 });
    expect(http?.kind).toBe('http');
    expect(http?.tcp).toBeUndefined();
    expect(http?.resolver).toEqual({ address: '10.0.0.4', port: 53 });
  });

  it('names the field and what was expected for each kind', () => {
    const error = problems(`
- { id: a, kind: tcp, port: 70000, url: http://10.0.0.5/, banner: { waitMs: 20000, expect: "(?=x)" } }
- { id: b, kind: dns, recordType: MX, expectedIp: 10.0.0.5 }
- { id: c, kind: dns, name: x.example.com, expectedAnswers: [not-an-ip] }
- { id: d, url: http://10.0.0.5/, resolver: "10.0.0.4:99999", host: x, port: 80 }
- { id: e, kind: smtp, url: http://10.0.0.5/ }
- { id: f, kind: tcp, host: "bad host!", port: 22 }
`);
    const byPath = new Map(error.issues.map((i) => [i.path, i.message]));
    expect(byPath.get('targets[0].port')).toBe('expected a TCP port number (1-65535)');
    expect(byPath.get('targets[0].banner.expect')).toMatch(/invalid regular expression/);
    expect(byPath.get('targets[1].recordType')).toBe('expected A, AAAA, CNAME or TXT');
    expect(byPath.get('targets[2].expectedAnswers[0]')).toBe('expected an IPv4 address for an A record');
    expect(byPath.get('targets[3].resolver')).toMatch(/^expected a DNS server address with an optional port/);
    expect(byPath.get('targets[4].kind')).toBe('expected http, tcp or dns');
    expect(byPath.get('targets[5].host')).toMatch(/^expected a host name or IP address/);
  });

  it('requires each kind its fields and refuses another kind’s', () => {
    const error = problems(`
- { id: a, kind: tcp, url: http://10.0.0.5/, banner: { waitMs: 20000 } }
- { id: b, kind: dns, expectedIp: 10.0.0.5, port: 53 }
- { id: c, host: x.example.com }
- { id: d, url: "http://[fd00::5]/", resolver: 168.63.129.16 }
- { id: e, kind: tcp, host: 10.0.0.5, port: 22, resolver: 168.63.129.16 }
`);
    const byPath = new Map(error.issues.map((i) => [i.path, i.message]));
    expect(byPath.get('targets[0].host')).toBe(
      'required for a tcp target: the host name or address to connect to',
    );
    expect(byPath.get('targets[0].port')).toBe(
      'required for a tcp target: the TCP port to connect to (1-65535)',
    );
    expect(byPath.get('targets[0].url')).toBe('applies to http targets only (this target is tcp)');
    expect(byPath.get('targets[0].banner.waitMs')).toBe('must not exceed timeouts.totalMs (10000 ms)');
    expect(byPath.get('targets[1].name')).toBe('required for a dns target: the DNS name to look up');
    expect(byPath.get('targets[1].port')).toBe('applies to tcp targets only (this target is dns)');
    expect(byPath.get('targets[1].expectedIp')).toMatch(/expectedAnswers/);
    expect(byPath.get('targets[2].url')).toBe('required for an http target: the http or https URL to probe');
    expect(byPath.get('targets[2].host')).toBe(
      'applies to tcp targets only (this target is http, the default)',
    );
    expect(byPath.get('targets[3].resolver')).toBe(
      'the url is an IP address, so there is nothing to resolve; give a host name',
    );
    expect(byPath.get('targets[4].resolver')).toMatch(/^the host is an IP address/);
  });
});

describe('the shipped sample', () => {
  it('parses, and so do the other kinds it shows in comments', async () => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(join(__dirname, '../../../../../probe-targets.sample.yaml'), 'utf8');
    expect(parseProbeTargets(text).map((t) => t.kind)).toEqual(['http']);
    // Uncommenting the commented targets (and the dependsOn line) must still give a valid document.
    const uncommented = text
      .replace(/^ {2}# (- | {2})/gm, '  $1')
      .replace(/^ {4}# dependsOn/m, '    dependsOn');
    expect(parseProbeTargets(uncommented).map((t) => t.url.href)).toEqual([
      'http://127.0.0.1:8080/',
      'tcp://127.0.0.1:8080',
      'tcp://iis.privatelink.example.com:80',
      'dns://168.63.129.16:53/iis.privatelink.example.com',
    ]);
  });
});

describe('expectedService and certExpiryDays', () => {
  const PE =
    '/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe-web';
  const PLS =
    '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/pls-web';
  const ALIAS = 'pls-web.1c2d3e4f-0000-4000-8000-123456789abc.westeurope.azure.privatelinkservice';

  it('accepts a PLS resource id or alias with the private endpoint it checks', () => {
    for (const service of [PLS, ALIAS]) {
      const [t] = parseProbeTargets(
        JSON.stringify([{ id: 'web', url: 'https://10.0.0.5/', dependsOn: PE, expectedService: service }]),
      );
      expect(t?.expectedService).toBe(service);
    }
  });

  it('refuses anything else, and a guard without a private endpoint to read', () => {
    expect(
      problems(
        JSON.stringify([{ id: 'web', url: 'http://10.0.0.5/', dependsOn: PE, expectedService: 'pls-web' }]),
      ).message,
    ).toMatch(/targets\[0\]\.expectedService: expected a Private Link Service resource id .* or alias/);
    expect(
      problems(JSON.stringify([{ id: 'web', url: 'http://10.0.0.5/', expectedService: PLS }])).message,
    ).toMatch(
      /targets\[0\]\.dependsOn: expectedService needs dependsOn to be the ARM id of the private endpoint/,
    );
    const connection = `${PLS}/privateEndpointConnections/pe-web.1a2b`;
    expect(
      problems(
        JSON.stringify([{ id: 'web', url: 'http://10.0.0.5/', dependsOn: connection, expectedService: PLS }]),
      ).message,
    ).toMatch(/expectedService needs dependsOn/);
  });

  it('certExpiryDays defaults to [30, 14, 7, 1]; a given list is sorted largest first, [] turns notices off', () => {
    const [d, given, off] = parseProbeTargets(
      JSON.stringify([
        { id: 'a', url: 'https://10.0.0.5/' },
        { id: 'b', url: 'https://10.0.0.5/', certExpiryDays: [7, 30, 14, 7] },
        { id: 'c', url: 'https://10.0.0.5/', certExpiryDays: [] },
      ]),
    );
    expect(d?.certExpiryDays).toEqual([30, 14, 7, 1]);
    expect(given?.certExpiryDays).toEqual([30, 14, 7]);
    expect(off?.certExpiryDays).toEqual([]);
    expect(
      problems(JSON.stringify([{ id: 'a', url: 'https://10.0.0.5/', certExpiryDays: [1.5] }])).message,
    ).toMatch(/certExpiryDays\[0\]: expected whole days/);
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
