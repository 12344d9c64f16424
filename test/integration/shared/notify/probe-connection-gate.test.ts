import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvocationContext, type Timer } from '@azure/functions';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../../../shared/clock';
import { readEvents } from '../../../../shared/probe/storage/events';
import { probeTick as runProbeTimer } from '../../../../shared/probe/use-cases/run-probes';
import {
  armTestContainer,
  plsIdOf,
  privateEndpointIdOf,
  useArmEmulator,
} from '../../../helpers/arm-emulator';
import {
  FAST_NOTIFY,
  type Sink,
  startDeliveryWorker,
  startSink,
  waitFor,
  webhooksSetting,
} from './notify-harness';

/**
 * The probe of an endpoint whose Private Link connection is not Approved pages nobody: the real
 * probe engine against a real local backend, the connection state read from the ARM emulator through
 * the real gateway, notifications delivered to a real webhook sink by the delivery handler.
 */

const arm = useArmEmulator();
const CONSUMER = '33333333-3333-3333-3333-333333333333';

/** The published service: answers 200, or 503 while `failing`. */
let backend: Server;
let backendUrl = '';
let failing = false;
beforeAll(async () => {
  backend = createServer((_req, res) => {
    res.writeHead(failing ? 503 : 200, { 'content-type': 'text/html', server: 'Microsoft-IIS/10.0' });
    res.end(failing ? 'Service Unavailable' : '<title>IIS Windows Server</title>');
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  backend.closeAllConnections();
  await new Promise((resolve) => backend.close(resolve));
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const timer: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: false },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};

/** Real time from a whole minute, moved one probe period (a minute) per run. */
function steppedClock(): Clock & { step(): void } {
  const start = Date.UTC(2026, 11, 1, 10, 0, 0, 400);
  let offset = start - Date.now();
  return {
    now: () => new Date(Date.now() + offset),
    step() {
      offset += 60_000;
    },
  };
}

async function world(name: string) {
  const hook = await startSink();
  const plsId = plsIdOf(`pls-${name}`);
  arm.emulator.world.addSubscription(CONSUMER, 'cccccccc-0000-0000-0000-000000000003');
  arm.emulator.world.addPrivateLinkService({ id: plsId });
  const peId = privateEndpointIdOf(CONSUMER, `pe-${name}`);
  const connection = arm.emulator.world.addConnection({ plsId, privateEndpointId: peId, status: 'Pending' });
  const clock = steppedClock();
  const container = armTestContainer(
    arm.emulator,
    [plsId],
    {
      PROBE_SCHEDULE: '0 * * * * *',
      PROBE_TARGETS: JSON.stringify([
        {
          id: name,
          displayName: `IIS through pe-${name}`,
          url: backendUrl,
          retries: 0,
          failureThreshold: 2,
          successThreshold: 1,
          dependsOn: peId,
        },
      ]),
      NOTIFY_WEBHOOKS: webhooksSetting([{ name: 'ops', kind: 'generic', url: hook.url }]),
      ...FAST_NOTIFY,
    },
    { clock },
  );
  const worker = startDeliveryWorker(container);
  cleanups.push(
    () => worker.stop(),
    () => hook.close(),
  );
  const decide = (status: 'Approved' | 'Rejected') =>
    arm.emulator.world.updateConnectionState(plsId, connection.name, { status });
  const run = async (times: number) => {
    for (let i = 0; i < times; i++) {
      await runProbeTimer(timer, new InvocationContext({ logHandler: () => {} }), { container });
      clock.step();
    }
  };
  const transitions = async () =>
    (await readEvents(container, name)).map((e) => `${e.from}>${e.to}`).reverse();
  return { hook, run, decide, transitions };
}

/** What the sink has, once every notification staged so far had time to arrive. */
async function settled(hook: Sink, atLeast: number): Promise<string[]> {
  await waitFor(() => hook.received.length >= atLeast, 15_000, `${atLeast} notification(s)`);
  // Anything more (a page that must not be) would be on its way by now: delivery starts at once.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  // Sorted: the delivery worker sends queued messages concurrently, so two pages staged seconds
  // apart may arrive in either order (delivery is at-least-once, not ordered; each carries its time).
  return hook.received
    .map((r) => `${String(r.headers['x-gatekeeper-event'])} ${String(r.body.subject)}`)
    .sort();
}

describe('probe notifications follow the connection state', () => {
  it('pending: no page; approved: an outage pages probe.down and probe.up once; rejected: no page', async () => {
    const w = await world('northwind');
    failing = true; // nothing answers through an endpoint the provider has not approved
    await w.run(3);
    failing = false;
    w.decide('Approved');
    await w.run(1); // the service answers once approved: not "UP again"
    failing = true;
    await w.run(3); // a real outage
    failing = false;
    await w.run(1);
    w.decide('Rejected');
    failing = true;
    await w.run(3);

    expect(await w.transitions()).toEqual(['UNKNOWN>DOWN', 'DOWN>UP', 'UP>DOWN', 'DOWN>UP', 'UP>DOWN']);
    expect(await settled(w.hook, 2)).toEqual(['probe.down northwind', 'probe.up northwind']);
  }, 60_000);

  it('approved but still failing: the DOWN becomes the service’s and pages once, then its recovery', async () => {
    const w = await world('fabrikam');
    failing = true;
    await w.run(2);
    w.decide('Approved');
    await w.run(3);
    failing = false;
    await w.run(1);

    expect(await w.transitions()).toEqual(['UNKNOWN>DOWN', 'DOWN>DOWN', 'DOWN>UP']);
    expect(await settled(w.hook, 2)).toEqual(['probe.down fabrikam', 'probe.up fabrikam']);
    // Found by type: a probe.down waits NOTIFY_GROUP_SECONDS for others of its cause, so the up may come first.
    const down = w.hook.received.find((r) => r.headers['x-gatekeeper-event'] === 'probe.down')?.body.data as
      | { reason?: string; connectionState?: string }
      | undefined;
    expect(down?.reason).toMatch(/connection no longer Pending, still failing/);
    // Said outright: the connection is Approved now, so the failure is the service's.
    expect(down?.connectionState).toBe('Approved');
  }, 60_000);
});
