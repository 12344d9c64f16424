import { InvocationContext } from '@azure/functions';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../../../shared/clock';
import { probeQueuedTarget } from '../../../../shared/probe/use-cases/run-probes';
import { type KeyPair, startProbeServer, testPki } from '../../../helpers/probe-servers';
import { testContainer, uniqueTablePrefix } from '../../../helpers/storage';
import {
  FAST_NOTIFY,
  type Sink,
  startDeliveryWorker,
  startSink,
  waitFor,
  webhooksSetting,
} from './notify-harness';

/**
 * cert.expiring end to end: a real local TLS server with a generated certificate (10 days from
 * expiry), the real probe engine, Azurite for the marker and outbox rows, the delivery handler and
 * a real webhook sink. The clock is the container's (injectable) clock moved a day at a time; the
 * TLS check itself runs on real time, when the certificate is valid.
 */

const DAY = 86_400_000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Real time moved by whole days. */
function dayClock(): Clock & { days(n: number): void } {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    days(n: number) {
      offset = n * DAY;
    },
  };
}

async function world(name: string, certExpiryDays: readonly number[]) {
  const pki = await testPki();
  let server = await startProbeServer({ tls: pki.valid });
  const port = server.port;
  const hook = await startSink();
  const clock = dayClock();
  const env = {
    TABLE_NAME_PREFIX: uniqueTablePrefix(),
    PROBE_SCHEDULE: '0 * * * * *',
    PROBE_TARGETS: JSON.stringify([
      { id: name, url: server.url('/'), ca: pki.ca, retries: 0, certExpiryDays },
    ]),
    NOTIFY_WEBHOOKS: webhooksSetting([{ name: 'ops', kind: 'generic', url: hook.url }]),
    ...FAST_NOTIFY,
  };
  // Every run gets a container of its own (same tables and queues), as if each ran on another
  // instance: what stops a second notice must be the stored marker, not anything in memory.
  const instance = () => testContainer(env, { clock });
  const container = instance();
  const worker = startDeliveryWorker(container);
  cleanups.push(
    () => worker.stop(),
    () => hook.close(),
    () => server.close(),
  );
  let run = 0;
  /** One probe run on day `day`; returns the cert.expiring notices it caused, as "threshold fingerprint". */
  const probeOnDay = async (day: number): Promise<string[]> => {
    clock.days(day);
    const before = hook.received.length;
    const scheduledAt = clock.now().toISOString();
    const outcome = await probeQueuedTarget(
      { targetId: name, scheduledAt, runId: `${name}|${run++}` },
      new InvocationContext({ logHandler: () => {} }),
      { container: instance() },
    );
    expect(outcome?.result?.status).toBe('UP');
    return notices(hook, before);
  };
  /** Serves another certificate on the same port (a renewal). */
  const serve = async (pair: KeyPair) => {
    await server.close();
    server = await startProbeServer({ tls: pair, port });
  };
  return { probeOnDay, serve, hook, pki };
}

/** The cert.expiring notices that arrived after `before`, once anything staged had time to arrive. */
async function notices(hook: Sink, before: number): Promise<string[]> {
  // Delivery starts at once (no grouping for this type): a notice staged by the run is here within seconds.
  await waitFor(() => hook.received.length > before, 4_000, 'a notice').catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 500));
  return hook.received.slice(before).map((r) => {
    expect(r.headers['x-gatekeeper-event']).toBe('cert.expiring');
    const data = r.body.data as Record<string, unknown>;
    return `${String(data.certThresholdDays)} ${String(data.certFingerprint)}`;
  });
}

describe('cert.expiring notices', () => {
  it('10 days from expiry with [30, 14, 7]: one notice for 14 (not 30 too), nothing the next day, one at 7', async () => {
    const w = await world('contoso-tls', [30, 14, 7]);
    const first = await w.probeOnDay(0);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatch(/^14 [0-9A-F]{64}$/);
    const fingerprint = first[0]?.split(' ')[1];
    expect(await w.probeOnDay(0)).toEqual([]); // the same day again: already told
    expect(await w.probeOnDay(1)).toEqual([]); // 9 days left: still the 14-day threshold
    expect(await w.probeOnDay(3)).toEqual([`7 ${fingerprint}`]); // under 7 days left
    expect(await w.probeOnDay(4)).toEqual([]);
    // What a person reads: the certificate, its expiry and days left.
    const data = w.hook.received[0]?.body.data as Record<string, unknown>;
    expect(data).toMatchObject({ targetId: 'contoso-tls', certDaysLeft: 9, ownerSide: 'provider' });
    expect(String(data.summary)).toMatch(/^Certificate expires soon: contoso-tls in 9 days \(/);
  }, 60_000);

  it('a renewed certificate (new fingerprint) starts over', async () => {
    const w = await world('fabrikam-tls', [30, 14, 7]);
    const old = await w.probeOnDay(0);
    expect(old).toHaveLength(1);
    await w.serve(w.pki.renewed);
    const renewed = await w.probeOnDay(1);
    expect(renewed).toHaveLength(1);
    expect(renewed[0]?.startsWith('14 ')).toBe(true);
    expect(renewed[0]).not.toBe(old[0]);
    expect(await w.probeOnDay(2)).toEqual([]);
  }, 60_000);
});
