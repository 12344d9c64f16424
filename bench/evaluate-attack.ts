/*
 * The reported attack on POST /api/policy/evaluate (issue 22, item 1) over real HTTP (local host,
 * ARM emulator, Azurite): readers keep sending the reported draft (as many `\pL{1,N}[0-9]` rules as
 * fit in 16 KiB, N fresh each time, 140-character message) and, in turn, the costliest draft the
 * limits accept, while a poller calls GET /api/health. Prints health's latency and statuses with and
 * without the attack, the event loop's longest delay, what the attackers got, and, for contrast, what
 * one reported draft costs on the path without the limits (parsePolicy and one evaluation, all on the
 * event loop, as before). Then one JSON line.
 */
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startArmEmulator } from '../emulators/arm';
import { startAzurite } from '../emulators/azurite';
import { parsePolicy } from '../shared/approval/adapters/policy-loader';
import { evaluateConnectionPolicy } from '../shared/approval/core/policy/evaluate-policy';
import { Container, setContainer } from '../shared/composition-root';
import { attackBody, heaviestAcceptedBody } from '../test/helpers/evaluate-attack';
import { serveHttpFunctions } from '../test/helpers/http-functions';
import { principalHeader } from '../test/helpers/principals';

const TOKEN = 'bench-token';
const PROVIDER_SUBSCRIPTION = '11111111-1111-1111-1111-111111111111';
const CONSUMER_SUBSCRIPTION = '22222222-2222-2222-2222-222222222222';
const PLS_ID = `/subscriptions/${PROVIDER_SUBSCRIPTION}/resourceGroups/rg-provider/providers/Microsoft.Network/privateLinkServices/pls-web`;
const ENDPOINT = `/subscriptions/${CONSUMER_SUBSCRIPTION}/resourceGroups/rg-consumer/providers/Microsoft.Network/privateEndpoints/pe-attack`;
const READER = principalHeader('reader');

interface Latencies {
  readonly count: number;
  readonly medianMs: number;
  readonly p95Ms: number;
  readonly maxMs: number;
}

function summary(samples: readonly number[]): Latencies {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  return { count: sorted.length, medianMs: at(0.5), p95Ms: at(0.95), maxMs: sorted.at(-1) ?? 0 };
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const show = (l: Latencies) =>
  `n=${l.count} median ${round1(l.medianMs)} ms, p95 ${round1(l.p95Ms)} ms, max ${round1(l.maxMs)} ms`;

function countStatuses(statuses: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of statuses) out[String(s)] = (out[String(s)] ?? 0) + 1;
  return out;
}

/** The reported draft on the path without limits: parse (compiling every pattern) and one evaluation. */
function unguardedCostMs(): number {
  const body = attackBody('pls-web', ENDPOINT) as { policy: string; connection: { requestMessage: string } };
  const started = performance.now();
  const policy = parsePolicy(body.policy, 'bench draft');
  evaluateConnectionPolicy(
    policy,
    {
      plsId: PLS_ID,
      plsName: 'pls-web',
      connectionName: 'pe-attack.hypothetical',
      status: 'Pending',
      privateEndpointName: 'pe-attack',
      privateEndpointResourceGroup: 'rg-consumer',
      privateEndpointLocation: undefined,
      consumerSubscriptionId: CONSUMER_SUBSCRIPTION,
      consumerTenantId: undefined,
      requestMessage: body.connection.requestMessage,
    },
    { bySubscription: () => 0, byTenant: () => 0 },
    { now: new Date() },
  );
  return performance.now() - started;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '20' },
      attackers: { type: 'string', default: '8' },
      unguarded: { type: 'string', default: '3' },
    },
  });
  const seconds = Number(values.seconds);
  const attackers = Number(values.attackers);
  const azurite = await startAzurite({ timeoutMs: 60_000 });
  const emulator = await startArmEmulator({ expectedToken: TOKEN, lroDurationMs: 5 });
  try {
    emulator.world.addSubscription(PROVIDER_SUBSCRIPTION, 'aaaaaaaa-0000-0000-0000-000000000001');
    emulator.world.addSubscription(CONSUMER_SUBSCRIPTION, 'bbbbbbbb-0000-0000-0000-00000000000b');
    emulator.world.addPrivateLinkService({ id: PLS_ID });
    setContainer(
      new Container({
        env: {
          AzureWebJobsStorage: azurite.connectionString,
          ARM_ENDPOINT: emulator.url,
          PLS_RESOURCE_IDS: PLS_ID,
          APPROVAL_POLICY: 'version: 1\nrules: []\ndefault: { action: manual }\n',
          AUTH_MODE: 'easyauth',
          TABLE_NAME_PREFIX: 'bench',
        },
        armCredential: {
          getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }),
        },
      }),
    );
    const host = await serveHttpFunctions();
    const call = async (method: string, path: string, body?: unknown) => {
      const started = performance.now();
      const response = await fetch(`${host.url}/api/${path}`, {
        method,
        headers: {
          'x-ms-client-principal': READER,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      await response.arrayBuffer();
      return { status: response.status, ms: performance.now() - started };
    };
    try {
      // Warm up: first load of the routes, the tables and the ARM client.
      await call('GET', 'health');
      await call('POST', 'policy/evaluate', heaviestAcceptedBody('pls-web', ENDPOINT));

      const single = {
        reportedMs: (await call('POST', 'policy/evaluate', attackBody('pls-web', ENDPOINT))).ms,
        heaviestAcceptedMs: (await call('POST', 'policy/evaluate', heaviestAcceptedBody('pls-web', ENDPOINT)))
          .ms,
      };
      console.log(
        `one request: reported draft ${round1(single.reportedMs)} ms (refused), heaviest accepted draft ${round1(single.heaviestAcceptedMs)} ms`,
      );

      const poll = async (until: number) => {
        const ms: number[] = [];
        const statuses: number[] = [];
        while (performance.now() < until) {
          const answer = await call('GET', 'health');
          ms.push(answer.ms);
          statuses.push(answer.status);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return { ms, statuses };
      };

      const quiet = await poll(performance.now() + 3_000);
      console.log(`health, no attack: ${show(summary(quiet.ms))}`);

      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      const until = performance.now() + seconds * 1000;
      const byKind: Record<'reported' | 'heaviest', { ms: number[]; statuses: number[] }> = {
        reported: { ms: [], statuses: [] },
        heaviest: { ms: [], statuses: [] },
      };
      const attacker = async (index: number) => {
        for (let round = 0; performance.now() < until; round++) {
          const kind = (round + index) % 2 === 1 ? 'heaviest' : 'reported';
          const body =
            kind === 'heaviest' ? heaviestAcceptedBody('pls-web', ENDPOINT) : attackBody('pls-web', ENDPOINT);
          const answer = await call('POST', 'policy/evaluate', body);
          byKind[kind].ms.push(answer.ms);
          byKind[kind].statuses.push(answer.status);
        }
      };
      const [attacked] = await Promise.all([
        poll(until),
        ...Array.from({ length: attackers }, (_, i) => attacker(i)),
      ]);
      delay.disable();
      const health = summary(attacked.ms);
      const loopMaxMs = delay.max / 1e6;
      const health5xx = attacked.statuses.filter((s) => s >= 500).length;
      console.log(
        `health under attack (${attackers} readers, ${seconds} s): ${show(health)}; 5xx: ${health5xx}`,
      );
      console.log(
        `event loop delay under attack: max ${round1(loopMaxMs)} ms, p99 ${round1(delay.percentile(99) / 1e6)} ms`,
      );
      for (const [kind, got] of Object.entries(byKind))
        console.log(
          `  ${kind} drafts: ${show(summary(got.ms))}; statuses ${JSON.stringify(countStatuses(got.statuses))}`,
        );

      const unguarded = Array.from({ length: Number(values.unguarded) }, unguardedCostMs);
      console.log(
        `reported draft without the limits (parsePolicy + one evaluation, one synchronous block): ${unguarded.map((ms) => `${round1(ms)} ms`).join(', ')}`,
      );

      const report = {
        bench: 'evaluate-attack',
        machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, load: loadavg()[0] },
        attackers,
        seconds,
        single,
        healthQuiet: summary(quiet.ms),
        healthUnderAttack: { ...health, statuses: countStatuses(attacked.statuses) },
        eventLoopDelayMaxMs: round1(loopMaxMs),
        drafts: Object.fromEntries(
          Object.entries(byKind).map(([kind, got]) => [
            kind,
            { ...summary(got.ms), statuses: countStatuses(got.statuses) },
          ]),
        ),
        unguardedReportedDraftMs: unguarded.map(round1),
      };
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } finally {
      await host.stop();
    }
  } finally {
    await emulator.stop();
    await azurite.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
