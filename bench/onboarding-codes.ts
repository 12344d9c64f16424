/*
 * What verifying an onboarding code costs the app, per connection, before any storage call: finding
 * the code in a request message (an ordinary one of 140 characters, and 16 KiB of hostile text made
 * of prefixes), checking its MAC under one key and during a rotation (two keys), masking the message,
 * and issuing a code. The storage part of a check is one read and, for a new place, one conditional
 * write of the code's row (its cost is Table Storage's, not ours). Prints figures, then one JSON line.
 */
import {
  findCode,
  issueCode,
  maskCodes,
  parseCode,
  signingKey,
  verifyMac,
} from '../shared/approval/core/onboarding-code';
import { median, quantile } from './stats';

const RUNS = 20_000;
const CURRENT = signingKey('bench-current-key-0123456789abcdefghijklmnopqrstuvwxyz');
const PREVIOUS = signingKey('bench-previous-key-0123456789abcdefghijklmnopqrstuvwxy');

/** Microseconds per call: the median and p99 of RUNS single calls, after a warm-up. */
function measure(work: () => unknown, runs = RUNS): { medianUs: number; p99Us: number } {
  for (let i = 0; i < 1000; i++) work();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    work();
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return { medianUs: median(samples), p99Us: quantile(samples, 0.99) };
}

const { code } = issueCode(CURRENT);
const parsed = parseCode(code);
if (parsed === undefined) throw new Error('the issued code does not parse');
const message = `Contoso Ltd, production, ticket 4711, contact ops@contoso.example: ${code}`.padEnd(140, '.');
const hostile = `${'PLG-'.repeat(2048)}${'PLG-0'.repeat(1638)}`.slice(0, 16 * 1024);

const results = {
  issue: measure(() => issueCode(CURRENT)),
  find140: measure(() => findCode(message)),
  findHostile16k: measure(() => findCode(hostile), 2000),
  verifyOneKey: measure(() => verifyMac(parsed, [CURRENT])),
  verifyTwoKeys: measure(() => verifyMac(parsed, [CURRENT, PREVIOUS])),
  verifyForged: measure(() => verifyMac({ ...parsed, mac: 'Z'.repeat(20) }, [CURRENT, PREVIOUS])),
  mask140: measure(() => maskCodes(message)),
};

for (const [name, r] of Object.entries(results)) {
  console.log(`${name.padEnd(16)} median ${r.medianUs.toFixed(2)} µs   p99 ${r.p99Us.toFixed(2)} µs`);
}
console.log(
  JSON.stringify({
    bench: 'onboarding-codes',
    node: process.version,
    runs: RUNS,
    codeLength: code.length,
    ...Object.fromEntries(
      Object.entries(results).map(([k, v]) => [`${k}MedianUs`, Number(v.medianUs.toFixed(3))]),
    ),
    ...Object.fromEntries(Object.entries(results).map(([k, v]) => [`${k}P99Us`, Number(v.p99Us.toFixed(3))])),
  }),
);
