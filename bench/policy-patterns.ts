/*
 * How long the policy takes to judge a hostile request message, on the engine the product uses
 * (RE2 via re2js) and, for contrast, on V8's backtracking RegExp at lengths it can still finish.
 * The attack from the report: rule `requestMessage: "^(a+)+$"`, message "a"×29 + "!" (25.8 s on
 * the old engine). Prints figures, then one JSON line.
 */
import { parsePolicy } from '../shared/approval/adapters/policy-loader';
import { evaluateConnectionPolicy } from '../shared/approval/core/policy/evaluate-policy';

const CORPUS = ['^(a+)+$', '^(a|a)*$', '^(a|aa)+$', '^(.*a){20}$', '^(a*)*$', '^((a+)+)+b$', '(x+x+)+y'];
const RUNS = 200;

function policyFor(pattern: string) {
  return parsePolicy(
    `version: 1\ndefault: { action: manual }\nrules:\n  - name: r\n    action: reject\n    match: { requestMessage: ${JSON.stringify(pattern)} }\n`,
  );
}

const facts = (message: string) => ({
  plsId:
    '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/pls-web',
  plsName: 'pls-web',
  connectionName: 'pe.1',
  status: 'Pending',
  privateEndpointName: 'pe',
  privateEndpointResourceGroup: 'rg',
  privateEndpointLocation: 'westeurope',
  consumerSubscriptionId: '22222222-2222-2222-2222-222222222222',
  consumerTenantId: undefined,
  requestMessage: message,
});

const counts = { bySubscription: () => 0, byTenant: () => 0 };
const now = new Date();

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Median and p99 of one evaluation, in milliseconds. */
function measure(pattern: string, message: string): { median: number; p99: number } {
  const policy = policyFor(pattern);
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    evaluateConnectionPolicy(policy, facts(message), counts, { now });
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { median: percentile(samples, 50), p99: percentile(samples, 99) };
}

function backtrackingMs(n: number): number {
  const regex = /^(a+)+$/;
  const t0 = performance.now();
  regex.test(`${'a'.repeat(n)}!`);
  return performance.now() - t0;
}

const attack = measure('^(a+)+$', `${'a'.repeat(29)}!`);
console.log(
  `attack ^(a+)+$ on "a"x29+"!" (RE2): median ${attack.median.toFixed(3)} ms, p99 ${attack.p99.toFixed(3)} ms (${RUNS} runs)`,
);

const corpus: Record<string, { len140: number; len16k: number }> = {};
for (const pattern of CORPUS) {
  const short = measure(pattern, `${'a'.repeat(139)}!`);
  const long = measure(pattern, `${'a'.repeat(16 * 1024 - 1)}!`);
  corpus[pattern] = { len140: short.median, len16k: long.median };
  console.log(
    `${pattern.padEnd(14)} 140 chars: median ${short.median.toFixed(3)} ms   16 KiB: median ${long.median.toFixed(3)} ms`,
  );
}

const backtracking: Record<string, number> = {};
for (const n of [16, 18, 20, 22, 24]) {
  backtracking[String(n)] = backtrackingMs(n);
  console.log(`V8 backtracking ^(a+)+$ on "a"x${n}+"!": ${backtracking[String(n)]?.toFixed(1)} ms`);
}

console.log(
  JSON.stringify({
    bench: 'policy-patterns',
    engine: 're2js',
    runs: RUNS,
    attackMedianMs: attack.median,
    attackP99Ms: attack.p99,
    corpusMedianMs: corpus,
    v8BacktrackingMs: backtracking,
  }),
);
