import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TableClient, TableServiceClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArmEmulator, startArmEmulator } from '../../emulators/arm';
import { type IngestionStandIn, startIngestionStandIn } from '../../scripts/lab/ingestion-stand-in';
import { trustForThisProcess } from '../../scripts/lab/process-trust';
import { RecordingLogger } from '../../scripts/local-host/invocation-logger';
import type { LocalHost } from '../../scripts/local-host/local-host';
import { LOOPBACK_ARM_TOKEN } from '../../shared/arm/loopback-credential';
import {
  guidOf,
  PROVIDER_SUBSCRIPTION,
  PROVIDER_TENANT,
  plsIdOf,
  privateEndpointIdOf,
} from '../helpers/arm-emulator';
import { type PackageHost, startPackageHost } from '../helpers/package-host';
import { azuriteConnectionString, uniqueTablePrefix } from '../helpers/storage';
import { stagedPackage } from '../helpers/test-build';
import { type Sink, startSink, waitFor } from '../integration/shared/notify/notify-harness';

/**
 * Issue 22 item 3, as it was reproduced: probe targets whose URL carries `code=`, `sig=` and
 * `token=` values and whose headers carry a 5-character key and a bearer token, behind a target
 * that echoes the request back as it is, JSON-escaped, URL-encoded and base64 (standard and
 * URL-safe, the secrets at each of the three byte alignments). The deployment package runs its
 * probe, notification and approval paths (loaded as the Functions worker loads it, served by the
 * local host, against Azurite, the ARM emulator, a webhook whose URL holds a token, and the
 * Application Insights ingestion stand-in). Then EVERY table in Azurite is read whole, with the
 * captured log, every availability envelope and the API's answers: no secret may appear in any
 * spelling.
 */

const CODE = 'fnKey-Q2x9Wm4Lp7Zr3Tc8';
const SIG = 'sv/Sig+Ab3dEf9Gh2Jk==';
/** Short values: redacted where they stand alone (shared/redact/redact.ts). */
const TOKEN = 'tK7q~';
const API_KEY = 'k3Y5!';
const BEARER = 'brr"Tok\\en/9f8e7d6c5b4a';
const WEBHOOK_TOKEN = 'whk-7Fq2Lm9Xz4Pw8Rt1';
/** The storage account key of the connection string (Azurite's well-known one): configured, never echoed. */
const ACCOUNT_KEY = /AccountKey=([^;]+)/.exec(azuriteConnectionString())?.[1] ?? 'no-account-key';
const SECRETS = { CODE, SIG, TOKEN, API_KEY, BEARER, WEBHOOK_TOKEN, ACCOUNT_KEY };
const ECHOED = new Set(['CODE', 'SIG', 'TOKEN', 'API_KEY', 'BEARER']);

/** How the echoing target sends the request back, one target per form (the body excerpt keeps 1 KiB). */
const FORMS = ['raw', 'json', 'url', 'b64', 'b64url', 'b64-1', 'b64-2'] as const;
type Form = (typeof FORMS)[number];

const PLS = 'pls-secrets';
const TENANT = 'cccccccc-0000-4000-8000-000000000003';
const CONSUMER_SUB = guidOf(3, 'e3');

function echoed(request: IncomingMessage, form: Form): string {
  const url = request.url ?? '';
  const query = Object.fromEntries(new URL(url, 'http://echo').searchParams);
  const seen = { url, query, apiKey: request.headers['x-api-key'], auth: request.headers.authorization };
  const json = JSON.stringify(seen);
  const pad = (n: number) => `${'x'.repeat(n)}${json}`;
  switch (form) {
    case 'raw':
      return `url ${decodeURIComponent(url)} key ${seen.apiKey} auth ${seen.auth}`;
    case 'json':
      return json;
    case 'url':
      return new URLSearchParams({
        ...query,
        apiKey: String(seen.apiKey),
        auth: String(seen.auth),
      }).toString();
    case 'b64':
      return Buffer.from(pad(0)).toString('base64');
    case 'b64url':
      return Buffer.from(pad(0)).toString('base64url');
    case 'b64-1':
      return Buffer.from(pad(1)).toString('base64');
    case 'b64-2':
      return Buffer.from(pad(2)).toString('base64url');
  }
}

/** The spellings a leak could take: as is, JSON-escaped, URL-encoded, and the base64 characters it fully decides at each alignment. */
function spellings(secret: string): string[] {
  const forms = new Set<string>([
    secret,
    JSON.stringify(secret).slice(1, -1),
    encodeURIComponent(secret),
    new URLSearchParams({ v: secret }).toString().slice(2),
  ]);
  for (const form of [...forms]) forms.add(form.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()));
  const bytes = Buffer.from(secret, 'utf8');
  for (let align = 0; align < 3; align++) {
    const encoded = Buffer.concat([Buffer.alloc(align), bytes]).toString('base64');
    const core = encoded.slice(Math.ceil((8 * align) / 6), Math.floor((8 * (align + bytes.length)) / 6));
    forms.add(core);
    forms.add(core.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return [...forms];
}

describe('no secret at rest in any form after the package probes, notifies and decides (issue 22 item 3)', () => {
  const logger = new RecordingLogger();
  const savedEnv = { ...process.env };
  let emulator: ArmEmulator;
  let echo: Server;
  let sink: Sink;
  let ingestion: IngestionStandIn;
  let pkg: PackageHost;
  let host: LocalHost;
  let prefix: string;
  const echoesSent: string[] = [];

  beforeAll(async () => {
    const packageDir = await stagedPackage();
    emulator = await startArmEmulator({ expectedToken: LOOPBACK_ARM_TOKEN, lroDurationMs: 5 });
    emulator.world.addSubscription(PROVIDER_SUBSCRIPTION, PROVIDER_TENANT);
    emulator.world.addSubscription(CONSUMER_SUB, TENANT);
    emulator.world.addPrivateLinkService({ id: plsIdOf(PLS) });
    echo = createServer((request: IncomingMessage, response: ServerResponse) => {
      const form = /^\/echo\/([^/?]+)/.exec(request.url ?? '')?.[1] as Form | undefined;
      if (form === undefined || !FORMS.includes(form)) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(echoed(request, 'json'));
        return;
      }
      const body = echoed(request, form);
      echoesSent.push(body);
      // The header form is what an assertion failure message quotes.
      response.writeHead(500, { 'content-type': 'text/plain', 'x-echo': body });
      response.end(body);
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const echoBase = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
    const query = `code=${encodeURIComponent(CODE)}&sig=${encodeURIComponent(SIG)}&token=${encodeURIComponent(TOKEN)}`;
    const headers = { 'X-Api-Key': API_KEY, Authorization: `Bearer ${BEARER}` };
    const targets = [
      ...FORMS.map((form) => ({
        id: `echo-${form}`,
        url: `${echoBase}/echo/${form}?${query}`,
        headers,
        retries: 0,
        failureThreshold: 1,
        successThreshold: 1,
        assertions: { status: [500], headers: { 'x-echo': '/^never$/' } },
      })),
      { id: 'echo-up', url: `${echoBase}/up?${query}`, headers, failureThreshold: 1, successThreshold: 1 },
    ];
    sink = await startSink();
    ingestion = await startIngestionStandIn();
    // The package's exporter speaks https only and takes no CA from a test: trust the stand-in's CA
    // process-wide where Node can (22.19+, as in CI); on older Node accept the loopback stand-in's
    // certificate unverified for this test process only (no traffic here leaves loopback).
    if (!trustForThisProcess(ingestion.ca).ok) process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    prefix = uniqueTablePrefix();
    const env: Record<string, string> = {
      AzureWebJobsStorage: azuriteConnectionString(),
      TABLE_NAME_PREFIX: prefix,
      NOTIFY_QUEUE_NAME: `${prefix}-notify`,
      PROBE_QUEUE_NAME: `${prefix}-probe`,
      RECONCILE_QUEUE_NAME: `${prefix}-reconcile`,
      ARM_ENDPOINT: emulator.url,
      PLS_RESOURCE_IDS: plsIdOf(PLS),
      APPROVAL_POLICY: 'version: 1\nrules: []\ndefault:\n  action: manual\n',
      PROBE_TARGETS: JSON.stringify({ targets }),
      NOTIFY_WEBHOOKS: JSON.stringify([
        { name: 'generic-sink', kind: 'generic', url: `${sink.url}?token=${WEBHOOK_TOKEN}` },
        { name: 'teams-sink', kind: 'teams', url: `${sink.url}/${WEBHOOK_TOKEN}` },
      ]),
      NOTIFY_RETRY_BASE_SECONDS: '1',
      APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString(),
      APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
      AUTH_MODE: 'dev',
    };
    pkg = await startPackageHost(packageDir, env, logger);
    host = pkg.host;
  }, 300_000);

  afterAll(async () => {
    await pkg?.stop();
    await emulator?.stop();
    await sink?.close();
    await ingestion?.stop();
    await new Promise((resolve) => echo?.close(resolve));
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
  });

  async function everyTableInAzurite(): Promise<{ tables: string[]; text: string }> {
    const options = { allowInsecureConnection: true };
    const service = TableServiceClient.fromConnectionString(azuriteConnectionString(), options);
    const tables: string[] = [];
    for await (const table of service.listTables()) if (table.name !== undefined) tables.push(table.name);
    const rows: string[] = [];
    for (const name of tables) {
      const client = TableClient.fromConnectionString(azuriteConnectionString(), name, options);
      try {
        for await (const entity of client.listEntities())
          rows.push(JSON.stringify(entity, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
      } catch (error) {
        // Another test file may drop its table while this one reads the list; ours stay.
        if (name.startsWith(prefix)) throw error;
      }
    }
    return { tables, text: `${tables.join('\n')}\n${rows.join('\n')}` };
  }

  it('finds none of the secrets in any table, log line, availability result or API answer', async () => {
    // Probe twice (DOWN, and the echo-up target UP), decide a connection by hand, let notifications go out.
    await pkg.runTimer('probeEndpoints');
    await pkg.runTimer('probeEndpoints');
    const connection = emulator.world.addConnection({
      plsId: plsIdOf(PLS),
      privateEndpointId: privateEndpointIdOf(CONSUMER_SUB, 'pe-secrets'),
      requestMessage: 'CHG0000042 please',
    });
    await pkg.runTimer('reconcileConnections');
    const approved = await fetch(`${host.url}/api/connections/${PLS}/${connection.name}/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'checked' }),
    });
    expect(approved.status, await approved.clone().text()).toBe(200);
    await waitFor(
      () => sink.received.some((r) => JSON.stringify(r.body).includes('probe.down')),
      30_000,
      'a probe.down notification at the webhook',
    );
    await waitFor(() => ingestion.posts.length > 0, 30_000, 'availability results at the ingestion stand-in');

    // The echoes really carried every secret (else the test proves nothing).
    const sent = echoesSent.join('\n');
    for (const [name, secret] of Object.entries(SECRETS).filter(([n]) => ECHOED.has(n)))
      expect(
        spellings(secret).some((s) => sent.includes(s)),
        `${name} in the target's echoes`,
      ).toBe(true);

    const api: string[] = [];
    for (const path of [
      'probes/summary',
      'probes/events',
      ...FORMS.map((form) => `probes/echo-${form}/series?range=1h`),
      'probes/echo-up/series?range=1h',
      'connections?limit=200',
      `connections/${PLS}/${connection.name}`,
      'decisions?limit=200',
      'approval/fast-path',
      'health',
      'me',
    ]) {
      const response = await fetch(`${host.url}/api/${path}`);
      api.push(`GET /api/${path} ${response.status}\n${await response.text()}`);
    }
    const tables = await everyTableInAzurite();
    const ours = tables.tables.filter((t) => t.startsWith(prefix));
    expect(ours.length).toBeGreaterThanOrEqual(8);
    const log = logger.lines.map((l) => `${l.level} ${l.text}`).join('\n');
    const availability = JSON.stringify(ingestion.posts);
    const dumps = { tables: tables.text, log, availability, api: api.join('\n') };
    // The results are there, redacted, with every echoing target's row and the URL's names.
    expect(dumps.tables).toContain('[redacted]');
    for (const form of FORMS) expect(dumps.api).toContain(`echo-${form}`);

    const leaks: string[] = [];
    for (const [where, text] of Object.entries(dumps))
      for (const [name, secret] of Object.entries(SECRETS))
        for (const spelling of spellings(secret)) {
          const at = text.indexOf(spelling);
          if (at !== -1)
            leaks.push(
              `${name} as ${JSON.stringify(spelling)} in ${where}: …${text.slice(Math.max(0, at - 80), at + 40)}…`,
            );
        }
    expect(leaks).toEqual([]);
    // The short secrets are named (setting and field, never the value) in one warning each.
    expect(log).toContain(
      'PROBE_TARGETS targets[0].headers.X-Api-Key holds a value shorter than 6 characters',
    );
    expect(log).toContain('PROBE_TARGETS targets[0].url holds a value shorter than 6 characters');
    // The URL keeps its query's names (shared/redact/url-query.ts).
    expect(dumps.api).toContain('code=[redacted]&sig=[redacted]&token=[redacted]');
  }, 120_000);
});
