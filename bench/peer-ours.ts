/**
 * Our probe engine as its own process for bench:probe-peer (forked with an IPC channel), so that
 * its CPU and memory are measured alone, the way blackbox_exporter's are. Each message names one
 * job; the answer carries what the engine recorded. Timings come from the engine's own result.
 */
import { setMaxListeners } from 'node:events';
import { probeHttpTarget } from '../shared/probe/adapters/http-probe';
import { parseProbeTargets } from '../shared/probe/adapters/targets';
import type { ProbeTarget } from '../shared/probe/core/types';
import { fanOut } from '../shared/probe/use-cases/fan-out';
import { floorExchange } from './peer-floor';
import { serveJobs } from './peer-ipc';

export interface OursTimings {
  readonly tcpMs: number | null;
  readonly tlsMs: number | null;
  readonly firstByteAtMs: number | null;
  readonly totalMs: number;
}

export type OursJob =
  | { readonly kind: 'one'; readonly url: string }
  /**
   * The floor's exchange (peer-floor.ts) run inside this process, beside the engine: what the
   * engine's process (its heap, its loaded code) costs a bare exchange, apart from the engine.
   */
  | { readonly kind: 'floor-one'; readonly url: string }
  | { readonly kind: 'batch'; readonly url: string; readonly count: number; readonly concurrency: number }
  | {
      readonly kind: 'fanout';
      readonly urls: readonly string[];
      readonly concurrency: number;
      /** 0 starts everything at once (the old behaviour). */
      readonly gapMs: number;
    };

export type OursAnswer =
  | { readonly kind: 'one'; readonly timings: OursTimings }
  | {
      readonly kind: 'batch';
      readonly cpuUs: number;
      readonly wallMs: number;
      readonly peakRssBytes: number;
      readonly failures: number;
    }
  | {
      readonly kind: 'fanout';
      readonly wallMs: number;
      readonly totals: number[];
      readonly queueMs: number[];
      readonly failures: number;
      readonly gapMs: number;
    };

const targets = new Map<string, ProbeTarget>();
let ca: string | undefined;

function targetFor(url: string): ProbeTarget {
  let target = targets.get(url);
  if (target === undefined) {
    const https = url.startsWith('https:');
    const doc = [{ id: 'peer', url, retries: 0, ...(https && ca !== undefined ? { ca } : {}) }];
    target = parseProbeTargets(JSON.stringify(doc))[0];
    if (target === undefined) throw new Error('no target');
    if (targets.size > 4096) targets.clear();
    targets.set(url, target);
  }
  return target;
}

const signal = new AbortController().signal;
// Every in-flight probe listens on this one signal, as on a run's deadline.
setMaxListeners(0, signal);

async function probe(url: string) {
  return probeHttpTarget(targetFor(url), { scheduledAt: new Date(), signal });
}

async function run(job: OursJob): Promise<OursAnswer> {
  if (job.kind === 'floor-one') return { kind: 'one', timings: await floorExchange(new URL(job.url)) };
  if (job.kind === 'one') {
    const result = await probe(job.url);
    if (result.final.failure !== null) throw new Error(`probe failed: ${result.reason}`);
    const t = result.final.timings;
    return {
      kind: 'one',
      timings: { tcpMs: t.tcpMs, tlsMs: t.tlsMs, firstByteAtMs: t.firstByteAtMs ?? null, totalMs: t.totalMs },
    };
  }
  if (job.kind === 'batch') {
    let peakRss = process.memoryUsage.rss();
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }, 10);
    const cpu = process.cpuUsage();
    const started = performance.now();
    let failures = 0;
    let next = 0;
    const worker = async () => {
      while (next++ < job.count) {
        const result = await probe(job.url);
        if (result.final.failure !== null) failures++;
      }
    };
    await Promise.all(Array.from({ length: job.concurrency }, worker));
    const used = process.cpuUsage(cpu);
    const wallMs = performance.now() - started;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    return { kind: 'batch', cpuUs: used.user + used.system, wallMs, peakRssBytes: peakRss, failures };
  }
  const gapMs = job.gapMs;
  const started = performance.now();
  const results = await fanOut(job.urls, { limit: job.concurrency, gapMs }, (url) => probe(url));
  const wallMs = performance.now() - started;
  return {
    kind: 'fanout',
    wallMs,
    totals: results.map((r) => r.value.final.timings.totalMs),
    queueMs: results.map((r) => r.queueMs),
    failures: results.filter((r) => r.value.final.failure !== null).length,
    gapMs,
  };
}

function main(): void {
  ca = process.env.PEER_CA_PEM;
  serveJobs(run);
}

main();
