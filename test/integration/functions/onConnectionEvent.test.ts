import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvocationContext } from '@azure/functions';
import { afterEach, describe, expect, it } from 'vitest';
import type { ArmEmulator } from '../../../emulators/arm';
import { onConnectionEvent } from '../../../functions/onConnectionEvent';
import { setContainer } from '../../../shared/composition-root';
import {
  armTestContainer,
  plsIdOf,
  privateEndpointIdOf,
  startTestArmEmulator,
} from '../../helpers/arm-emulator';

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
  setContainer(armTestContainer(emulator, plsIds, { APPROVAL_POLICY: REJECT_ALL, ...env }));
  return { name: record.name };
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
    it(`${name}: reconciles the configured PLS from ARM, never from the event`, async () => {
      const { name: connection } = await world({ AZURE_CLIENT_ID: '00000000-0000-4000-8000-00000000abcd' });
      const { context, lines } = invocation();
      await onConnectionEvent.handler(fixture(name), context);
      // The ARN fixture claims the connection is Approved; ARM says Pending, and the policy rejects it.
      expect(emulator?.world.connection(PLS_WEB, connection)?.status).toBe('Rejected');
      expect(emulator?.requestLog.count('connection.list')).toBe(1);
      expect(lines.some((l) => l.includes('approval.event.reconciled'))).toBe(true);
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
    expect(emulator?.requestLog.count('connection.list')).toBe(1);
  });

  it('ignores the echo of our own write: by the caller appid, and by the claim of a connection just decided', async () => {
    const { name } = await world({ AZURE_CLIENT_ID: OUR_CLIENT_ID });
    const { context, lines } = invocation();
    await onConnectionEvent.handler(fixture('resource-write-success.connection.eventgrid.json'), context);
    expect(emulator?.requestLog.entries).toHaveLength(0);
    expect(lines.join('\n')).toContain('our own write');

    // Without a client id (system-assigned identity), the claim tells: decide once, then send the echo.
    setContainer(armTestContainer(emulator as ArmEmulator, [PLS_WEB], { APPROVAL_POLICY: REJECT_ALL }));
    const echo = fixture('resource-write-success.connection.eventgrid.json');
    const data = echo.data as Record<string, unknown>;
    const uri = `${PLS_WEB}/privateEndpointConnections/${name}`;
    await onConnectionEvent.handler(
      { ...echo, subject: uri, data: { ...data, resourceUri: uri } },
      invocation().context,
    );
    expect(emulator?.world.connection(PLS_WEB, name)?.status).toBe('Rejected');
    emulator?.requestLog.clear();
    const second = invocation();
    await onConnectionEvent.handler(
      { ...echo, id: 'echo', subject: uri, data: { ...data, resourceUri: uri } },
      second.context,
    );
    expect(emulator?.requestLog.entries).toHaveLength(0);
    expect(second.lines.join('\n')).toContain('just decided here');
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

  it('throws on a transient failure so Event Grid retries (ARM keeps answering 503)', async () => {
    await world();
    emulator?.faults.rate({ kind: 'connection.list' }, 1, [{ type: 'status', status: 503 }]);
    const { context } = invocation();
    await expect(
      onConnectionEvent.handler(fixture('resource-write-success.pls.eventgrid.json'), context),
    ).rejects.toMatchObject({
      code: 'arm_unavailable',
    });
  });
});
