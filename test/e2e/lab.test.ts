import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as fetchWith } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { freePort } from '../../emulators/azurite';
import { availabilityTallySchema } from '../../scripts/lab/ingestion-stand-in';
import { labStateSchema } from '../../scripts/lab/lab-state';
import { type SinkDelivery, sinkDeliverySchema } from '../../scripts/lab/notify-sink';
import { buildLab, type LabBuild, type LabProcess, spawnLab } from '../helpers/lab-process';
import { childrenOf, isAlive } from '../helpers/processes';

/**
 * `npm run local` with lab/short-scenario.yaml as a child process, serving the staged deployment
 * package (built once per test run), checked through HTTP only: every
 * connection ends where the policy says (by reconciliation alone when no event announces it, within
 * seconds when one does), probes follow approvals and rejections, people decide through the API, the
 * audit has every decision, and nothing is left running afterwards. The lab's webhook sink shows
 * which notifications went out (one connection.pending for Northwind; one probe.down and one probe.up
 * per approved endpoint in the backend outage, where one grouped probe.down may name both; none for an
 * endpoint whose connection is not Approved), and its ingestion stand-in the availability results of
 * every approved target.
 */

const RECONCILE_PERIOD_MS = 10_000; // lab/short-scenario.yaml: "*/10 * * * * *"
const CONNECT_AFTER_MS = { withoutEvent: 1_000, withEvent: 3_000 };

interface Connection {
  readonly name: string;
  readonly status: string;
  readonly privateEndpointId: string | null;
  readonly pls: { readonly name: string };
}
interface Decision {
  readonly kind: string;
  readonly connectionName: string;
  readonly action: string;
  readonly actor: { readonly kind: string; readonly name: string };
  readonly rule: string | null;
  readonly trigger: string;
  readonly result: string | null;
  readonly at: string;
}
interface Target {
  readonly id: string;
  readonly displayName: string | null;
  readonly state: string;
  readonly lastResult: { readonly connectionState: string | null; readonly class: string | null } | null;
}

const endpointOf = (c: Connection) => c.privateEndpointId?.split('/').at(-1) ?? '';
/** `.../privateEndpointConnections/pe-northwind-web.<guid>` → `pe-northwind-web`. */
const endpointOfId = (id: string | null) => id?.split('/').at(-1)?.split('.')[0] ?? '';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms${last === undefined ? '' : ` (${String(last)})`}`);
    await sleep(250);
  }
}

describe('the local lab serving the staged package (npm run local --scenario lab/short-scenario.yaml)', () => {
  let lab: LabProcess | undefined;
  let build: LabBuild;
  let port = 0;
  let stateDir = '';

  beforeAll(async () => {
    build = await buildLab();
    port = await freePort();
    stateDir = mkdtempSync(join(tmpdir(), 'plg-lab-e2e-'));
  }, 300_000);

  afterAll(() => {
    if (lab?.child.exitCode === null) lab.child.kill('SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('decides, probes, lets a person decide, audits everything, and stops cleanly', async () => {
    lab = spawnLab(build, {
      scenario: 'lab/short-scenario.yaml',
      port,
      stateFile: join(stateDir, 'lab.json'),
    });
    const proc = lab.child;
    const stdout = lab.stdout;
    const stderr = lab.stderr;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.once('exit', (code, signal) => resolve({ code, signal })),
    );

    await until('the ready line', 60_000, async () => {
      if (proc.exitCode !== null) throw new Error(`exited early (${proc.exitCode}): ${stderr()}`);
      return stdout().includes('ready') ? true : undefined;
    });
    const readyAt = Date.now();
    const base = `http://127.0.0.1:${port}`;
    const getJson = async <T>(path: string): Promise<T> => {
      const response = await fetch(`${base}${path}`);
      if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
    const connections = async () =>
      new Map(
        (await getJson<{ items: Connection[] }>('/api/connections?limit=200')).items.map((c) => [
          endpointOf(c),
          c,
        ]),
      );
    const decisions = async () => (await getJson<{ items: Decision[] }>('/api/decisions?limit=200')).items;
    const probe = async (id: string) =>
      (await getJson<{ targets: Target[] }>('/api/probes/summary')).targets.find((t) => t.id === id);
    const decide = async (c: Connection, action: 'approve' | 'reject', reason: string) => {
      const response = await fetch(`${base}/api/connections/${c.pls.name}/${c.name}/${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ reason }),
      });
      expect(response.status, await response.clone().text()).toBe(200);
      return (await response.json()) as { status: string };
    };

    // --- The state file names this process; its children are Azurite (and nothing else may outlive it).
    const state = labStateSchema.parse(JSON.parse(readFileSync(join(stateDir, 'lab.json'), 'utf8')));
    expect(state.pid).toBe(proc.pid);
    const children = childrenOf(proc.pid ?? -1);
    const { notifySinkUrl, ingestion } = state;
    if (notifySinkUrl === null || ingestion === null) throw new Error('the lab started no sink or stand-in');
    const notifications = async () =>
      z.array(sinkDeliverySchema).parse(await (await fetch(notifySinkUrl)).json());
    /**
     * `probe.down pe-northwind-web`, from the CloudEvents copies (every kind receives every event).
     * Latency is not under test here: a loaded machine can make a run slower than the lab's SLO, so
     * DEGRADED and "UP again" after DEGRADED are left out; UP after DOWN is kept.
     */
    const outageLike = (n: SinkDelivery) =>
      n.type !== 'probe.degraded' && !(n.type === 'probe.up' && n.from === 'DEGRADED');
    /** A grouped probe.down (one incident per cause) counts once for each target it names. */
    const generic = async (type?: string) =>
      (await notifications())
        .filter((n) => n.kind === 'generic' && (type === undefined || n.type === type) && outageLike(n))
        .flatMap((n) =>
          n.type.startsWith('probe.')
            ? [n.id, ...(n.also === null ? [] : n.also.split(', '))].map((id) => `${n.type} ${id}`)
            : [`${n.type} ${endpointOfId(n.id)}`],
        )
        .sort();
    const ingestionAgent = new Agent({ connect: { ca: ingestion.ca } });
    const availability = async () =>
      availabilityTallySchema.parse(
        await (await fetchWith(`${ingestion.url}lab/availability`, { dispatcher: ingestionAgent })).json(),
      );
    expect(children.length).toBeGreaterThanOrEqual(1);

    // --- With the event switched on for it, pe-fabrikam-api is approved within seconds of its creation.
    const eventDecided = await until(
      'pe-fabrikam-api approved',
      CONNECT_AFTER_MS.withEvent + 8_000,
      async () =>
        (await connections()).get('pe-fabrikam-api')?.status === 'Approved' ? Date.now() : undefined,
    );
    expect(eventDecided - readyAt).toBeLessThan(CONNECT_AFTER_MS.withEvent + 8_000);

    // --- Without events, reconciliation alone decides the rest within two periods.
    const expected = {
      'pe-fabrikam-web': 'Approved',
      'pe-tailwind-web': 'Rejected',
      'pe-northwind-web': 'Pending',
    };
    const decidedByTimer = await until(
      'every connection as the policy says',
      CONNECT_AFTER_MS.withoutEvent + 2 * RECONCILE_PERIOD_MS + 2_000,
      async () => {
        const [now, audit] = [await connections(), await decisions()];
        const settled = Object.entries(expected).every(([pe, status]) => now.get(pe)?.status === status);
        const northwindVerdict = audit.some(
          (d) =>
            d.connectionName.startsWith('pe-northwind-web.') && d.kind === 'verdict' && d.action === 'manual',
        );
        return settled && northwindVerdict ? { now, audit } : undefined;
      },
    );
    const policyOutcome = (pe: string) =>
      decidedByTimer.audit.find(
        (d) => d.kind === 'outcome' && d.connectionName.startsWith(`${pe}.`) && d.actor.kind === 'policy',
      );
    expect(policyOutcome('pe-fabrikam-web')).toMatchObject({
      action: 'approve',
      rule: 'trusted-tenant',
      trigger: 'timer',
      result: 'succeeded',
    });
    expect(policyOutcome('pe-tailwind-web')).toMatchObject({
      action: 'reject',
      rule: 'require-ticket',
      trigger: 'timer',
      result: 'succeeded',
    });
    expect(policyOutcome('pe-fabrikam-api')).toMatchObject({ action: 'approve', result: 'succeeded' });

    // --- The approved endpoint's probe turns UP; the pending one's is DOWN and says why.
    await until('pe-fabrikam-web probe UP', 15_000, async () =>
      (await probe('pe-fabrikam-web'))?.state === 'UP' ? true : undefined,
    );
    const pending = await until('pe-northwind-web probe DOWN', 15_000, async () => {
      const target = await probe('pe-northwind-web');
      return target?.state === 'DOWN' ? target : undefined;
    });
    expect(pending.lastResult?.connectionState).toBe('Pending');

    // --- A person approves the pending one through the API; its probe turns UP.
    const northwind = decidedByTimer.now.get('pe-northwind-web');
    const fabrikamWeb = decidedByTimer.now.get('pe-fabrikam-web');
    if (northwind === undefined || fabrikamWeb === undefined) throw new Error('connections missing');
    expect((await decide(northwind, 'approve', 'CHG0098765 checked with Northwind')).status).toBe('Approved');
    await until('pe-northwind-web probe UP', 15_000, async () =>
      (await probe('pe-northwind-web'))?.state === 'UP' ? true : undefined,
    );

    // --- The backend outage (+45 s for 15 s) pages each approved endpoint once, down and up again;
    // the endpoints waiting for or refused their connection paged nobody before, during or after it.
    const paged = ['pe-fabrikam-web', 'pe-northwind-web'];
    await until('probe.up for each approved endpoint', 75_000, async () =>
      (await generic('probe.up')).length >= paged.length ? true : undefined,
    );
    expect(await generic('probe.down')).toEqual(paged.map((pe) => `probe.down ${pe}`));
    // One cause (the backend stopped) makes one incident: at most one message per endpoint, and
    // one for both when they failed within NOTIFY_GROUP_SECONDS of each other, as they usually do.
    const downMessages = (await notifications()).filter(
      (n) => n.kind === 'generic' && n.type === 'probe.down',
    );
    expect(downMessages.length).toBeGreaterThanOrEqual(1);
    expect(downMessages.length).toBeLessThanOrEqual(paged.length);

    // --- A later rejection turns the approved endpoint's probe DOWN.
    expect((await decide(fabrikamWeb, 'reject', 'access withdrawn by the provider')).status).toBe('Rejected');
    const rejected = await until('pe-fabrikam-web probe DOWN', 20_000, async () => {
      const target = await probe('pe-fabrikam-web');
      return target?.state === 'DOWN' ? target : undefined;
    });
    expect(rejected.lastResult?.connectionState).toBe('Rejected');

    // --- What went out, once a page the rejection must not cause would have arrived (delivery starts at once).
    await sleep(4_000);
    const sent = await notifications();
    // Every kind received the same events (teams and slack name no state, so count by type).
    const ofType = (kind: string, type: string) =>
      sent.filter((n) => n.kind === kind && n.type === type).length;
    expect(ofType('generic', 'connection.pending')).toBe(1);
    for (const kind of ['teams', 'slack'])
      for (const type of ['connection.pending', 'probe.down', 'probe.up', 'probe.degraded'])
        expect(ofType(kind, type), `${kind} ${type}`).toBe(ofType('generic', type));
    expect(await generic('connection.pending')).toEqual(['connection.pending pe-northwind-web']);
    expect((await generic()).filter((line) => line.startsWith('probe.'))).toEqual(
      paged.flatMap((pe) => [`probe.down ${pe}`, `probe.up ${pe}`]).sort(),
    );

    // --- Every message carries a dashboard button (the lab sets DASHBOARD_URL to its own host) that
    // opens the dashboard, pointed at the message's subject.
    const pendingMessages = sent.filter((n) => n.type === 'connection.pending');
    expect(pendingMessages.map((n) => n.kind).sort()).toEqual(['generic', 'slack', 'teams']);
    for (const message of pendingMessages)
      expect(message.link, message.kind).toMatch(
        new RegExp(`^${base.replaceAll('.', '\\.')}/api/dashboard#connection=.*pe-northwind-web`),
      );
    const page = await fetch(pendingMessages[0]?.link ?? '');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Private Link Gatekeeper</title>');

    // --- Every approved target's probe runs reached the ingestion stand-in as availability results.
    const summary = (await getJson<{ targets: Target[] }>('/api/probes/summary')).targets;
    const tally = await availability();
    for (const pe of paged) {
      const name = summary.find((t) => t.id === pe)?.displayName ?? pe;
      expect(tally.tests[name]?.results ?? 0, name).toBeGreaterThan(0);
      expect(tally.tests[name]?.successful ?? 0, name).toBeGreaterThan(0);
    }
    await ingestionAgent.close();

    // --- The audit trail has every decision, each applied.
    const audit = await decisions();
    const outcomes = audit
      .filter((d) => d.kind === 'outcome')
      .map((d) => `${d.connectionName.split('.')[0]} ${d.action} ${d.actor.kind} ${d.result}`)
      .sort();
    expect(outcomes).toEqual([
      'pe-fabrikam-api approve policy succeeded',
      'pe-fabrikam-web approve policy succeeded',
      'pe-fabrikam-web reject person succeeded',
      'pe-northwind-web approve person succeeded',
      'pe-tailwind-web reject policy succeeded',
    ]);

    // --- Shutdown: exit 0, no child left, the endpoints' addresses closed, the state file gone.
    proc.kill('SIGTERM');
    const { code, signal } = await exited;
    expect({ code, signal, stderr: code === 0 ? '' : stderr() }).toEqual({
      code: 0,
      signal: null,
      stderr: '',
    });
    for (const pid of children) expect(isAlive(pid), `child ${pid} still running`).toBe(false);
    expect(existsSync(join(stateDir, 'lab.json'))).toBe(false);
    const refused = await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.10', port: state.dataPath.port ?? 0 });
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
    expect(stdout().trim().split('\n')).toHaveLength(1);
  }, 240_000);
});
