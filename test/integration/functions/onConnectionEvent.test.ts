import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvocationContext } from '@azure/functions';
import { afterEach, describe, expect, it } from 'vitest';
import type { ArmEmulator } from '../../../emulators/arm';
import { onConnectionEvent } from '../../../functions/onConnectionEvent';
import { reconcileQueuedPls } from '../../../functions/reconcileQueuedPls';
import { type Container, getContainer, setContainer } from '../../../shared/composition-root';
import {
  armTestContainer,
  plsIdOf,
  privateEndpointIdOf,
  startTestArmEmulator,
} from '../../helpers/arm-emulator';
import { drainReconcileQueue, uniqueQueueName } from '../shared/approval/approval-world';

const FIXTURES = join(__dirname, '../../fixtures/events');
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
const PLS_WEB = plsIdOf('pls-web');
const OUR_CLIENT_ID = '5e1c2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const CONSUMER = 'c9000000-0000-4000-8000-000000000001';
const REJECT_ALL =
  'version: 1\ndefault: { action: manual }\nrules: [{ name: no, action: reject, description: "Not accepted here" }]';

let emulator: ArmEmulator | undefined;
afterEach(async () => {
  setContainer(undefined);
  await emulator?.stop();
  emulator = undefined;
});

function invocation(): { context: InvocationContext; lines: string[] } {
  const lines: string[] = [];
  const context = new InvocationContext({
    invocationId: 'inv-1',
    logHandler: (_level, ...args) => lines.push(args.join(' ')),
  });
  return { context, lines };
}

async function world(
  env: Record<string, string> = {},
  plsIds: string[] = [PLS_WEB],
): Promise<{ name: string }> {
  emulator = await startTestArmEmulator();
  emulator.world.addPrivateLinkService({ id: PLS_WEB });
  const record = emulator.world.addConnection({
    plsId: PLS_WEB,
    privateEndpointId: privateEndpointIdOf(CONSUMER, 'pe-app'),
    requestMessage: 'hello',
  });
  setContainer(
    armTestContainer(emulator, plsIds, {
      APPROVAL_POLICY: REJECT_ALL,
      RECONCILE_QUEUE_NAME: uniqueQueueName(),
      ...env,
    }),
  );
  return { name: record.name };
}

/** The host's queue trigger, played against the current container's reconciliation queue. */
function drain(container: Container = getContainer()): Promise<number> {
  return drainReconcileQueue(container, (text) => reconcileQueuedPls.handler(text, invocation().context));
}

describe('onConnectionEvent (Event Grid trigger)', () => {
  const kinds = [
    'resource-write-success.connection.eventgrid.json',
    'resource-write-success.connection.cloudevent.json',
    'resource-delete-success.connection.cloudevent.json',
    'arn-created-or-updated.pls.eventgrid.json',
    'arn-created-or-updated.pls.cloudevent.json',
  ];
  for (const name of kinds) {
    it(`${name}: queues the configured PLS at once; the queue trigger reconciles it from ARM, never from the event`, async () => {
      const { name: connection } = await world({ AZURE_CLIENT_ID: '00000000-0000-4000-8000-00000000abcd' });
      const { context, lines } = invocation();
      await onConnectionEvent.handler(fixture(name), context);
      // The webhook touches no ARM: it only queues the work (Event Grid's 30 s window is never at risk).
      expect(emulator?.requestLog.entries).toHaveLength(0);
      expect(lines.some((l) => l.includes('approval.event.queued'))).toBe(true);
      expect(await drain()).toBe(1);
      // The ARN fixture claims the connection is Approved; ARM says Pending, and the policy rejects it.
      expect(emulator?.world.connection(PLS_WEB, connection)?.status).toBe('Rejected');
      expect(emulator?.requestLog.count('connection.list')).toBe(1);
    });
  }

  it('ignores (with a log line) events for a PLS that is not configured, matching ids case-insensitively', async () => {
    await world({}, [plsIdOf('pls-other')]);
    const { context, lines } = invocation();
    await onConnectionEvent.handler(fixture('resource-write-success.pls.eventgrid.json'), context);
    expect(emulator?.requestLog.entries).toHaveLength(0);
    expect(lines.join('\n')).toContain('not managed here');

    setContainer(
      armTestContainer(emulator as ArmEmulator, [PLS_WEB.toUpperCase()], { APPROVAL_POLICY: REJECT_ALL }),
    );
    await onConnectionEvent.handler(
      fixture('resource-write-success.pls.eventgrid.json'),
      invocation().context,
    );
    expect(await drain()).toBe(1);
    expect(emulator?.requestLog.count('connection.list')).toBe(1);
  });

  it('ignores the echo of our own write: by the caller appid, and by the claim of a connection just decided', async () => {
    const { name } = await world({ AZURE_CLIENT_ID: OUR_CLIENT_ID });
    const { context, lines } = invocation();
    await onConnectionEvent.handler(fixture('resource-write-success.connection.eventgrid.json'), context);
    expect(emulator?.requestLog.entries).toHaveLength(0);
    expect(lines.join('\n')).toContain('our own write');

    // Without a client id (system-assigned identity), the claim tells: decide once, then send the echo.
    setContainer(
      armTestContainer(emulator as ArmEmulator, [PLS_WEB], {
        APPROVAL_POLICY: REJECT_ALL,
        RECONCILE_QUEUE_NAME: uniqueQueueName(),
      }),
    );
    const echo = fixture('resource-write-success.connection.eventgrid.json');
    const data = echo.data as Record<string, unknown>;
    const uri = `${PLS_WEB}/privateEndpointConnections/${name}`;
    await onConnectionEvent.handler(
      { ...echo, subject: uri, data: { ...data, resourceUri: uri } },
      invocation().context,
    );
    await drain();
    expect(emulator?.world.connection(PLS_WEB, name)?.status).toBe('Rejected');
    emulator?.requestLog.clear();
    const second = invocation();
    await onConnectionEvent.handler(
      { ...echo, id: 'echo', subject: uri, data: { ...data, resourceUri: uri } },
      second.context,
    );
    expect(await drain()).toBe(0);
    expect(emulator?.requestLog.entries).toHaveLength(0);
    expect(second.lines.join('\n')).toContain('just decided here');
  });

  it('with APPROVAL_MODE=off queues nothing, and a work item queued before the switch decides nothing', async () => {
    const { name } = await world({ APPROVAL_MODE: 'off' });
    const { context, lines } = invocation();
    await onConnectionEvent.handler(fixture('resource-write-success.pls.eventgrid.json'), context);
    expect(lines.join('\n')).toContain('APPROVAL_MODE is off');
    expect(await drain()).toBe(0);
    const services = await getContainer().approvalServices();
    await services.workQueue.enqueue(
      {
        v: 1,
        plsId: PLS_WEB,
        cause: 'event',
        event: {
          id: 'before-off',
          type: 'Microsoft.Resources.ResourceWriteSuccess',
          receivedAt: new Date().toISOString(),
        },
        round: 0,
        correlationId: 'before-off',
        enqueuedAt: new Date().toISOString(),
      },
      { dedupe: false },
    );
    expect(await drain()).toBe(1);
    // Dropped before ARM is asked anything (the timer still lists, for drift, in off mode).
    expect(emulator?.requestLog.entries).toHaveLength(0);
    expect(emulator?.world.connection(PLS_WEB, name)?.status).toBe('Pending');
  });

  it('fifty events for one PLS queue one work item', async () => {
    await world();
    const event = fixture('resource-write-success.pls.eventgrid.json');
    const outcomes: string[] = [];
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const { context, lines } = invocation();
        await onConnectionEvent.handler({ ...event, id: `storm-${i}` }, context);
        outcomes.push(...lines.filter((l) => l.includes('approval.event.')));
      }),
    );
    expect(outcomes.filter((l) => l.includes('approval.event.queued'))).toHaveLength(1);
    expect(outcomes.filter((l) => l.includes('approval.event.duplicate'))).toHaveLength(49);
    expect(await drain()).toBe(1);
    expect(emulator?.requestLog.count('connection.list')).toBe(1);
  });

  it('logs and drops malformed and unrelated events without throwing', async () => {
    await world();
    for (const name of [
      'malformed.no-event-type.json',
      'malformed.pls-write-without-resource.json',
      'blob-created.eventgrid.json',
    ]) {
      const { context, lines } = invocation();
      await expect(onConnectionEvent.handler(fixture(name), context)).resolves.toBeUndefined();
      expect(lines.join('\n')).toMatch(/approval\.event\.(malformed|ignored)/);
    }
    expect(emulator?.requestLog.entries).toHaveLength(0);
  });

  it('the queue trigger throws on a transient failure so the host retries the item (ARM keeps answering 503)', async () => {
    await world();
    emulator?.faults.rate({ kind: 'connection.list' }, 1, [{ type: 'status', status: 503 }]);
    await onConnectionEvent.handler(
      fixture('resource-write-success.pls.eventgrid.json'),
      invocation().context,
    );
    await expect(drain()).rejects.toMatchObject({ code: 'arm_unavailable' });
  });
});
