import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArmEmulator, startArmEmulator } from '../../../emulators/arm';
import { type DataPath, startDataPath } from '../../../emulators/arm/data-path';
import { type IisStandIn, startIisStandIn } from '../../../emulators/iis/iis-stand-in';
import { createNetworkClient } from '../../../shared/arm/arm-network-gateway';
import {
  PROVIDER_SUBSCRIPTION,
  PROVIDER_TENANT,
  plsIdOf,
  privateEndpointIdOf,
  staticArmCredential,
  TEST_TOKEN,
} from '../../helpers/arm-emulator';

const CONSUMER = 'c0000000-0000-4000-8000-0000000000d1';
const SCOPE = 'https://management.azure.com/.default';

let emulator: ArmEmulator;
let iis: IisStandIn;
let dataPath: DataPath;
const plsId = plsIdOf('pls-data-path');

beforeAll(async () => {
  emulator = await startArmEmulator({ expectedToken: TEST_TOKEN, lroDurationMs: 5 });
  emulator.world.addSubscription(PROVIDER_SUBSCRIPTION, PROVIDER_TENANT);
  emulator.world.addSubscription(CONSUMER, 'bbbbbbbb-0000-0000-0000-0000000000d1');
  emulator.world.addPrivateLinkService({ id: plsId });
  iis = await startIisStandIn({ port: 0 });
  dataPath = await startDataPath({ emulator, backends: { [plsId]: iis.url } });
});
afterAll(async () => {
  await dataPath?.stop();
  await iis?.stop();
  await emulator?.stop();
});

async function consumerClient() {
  return createNetworkClient(CONSUMER, {
    endpoint: new URL(emulator.url),
    scope: SCOPE,
    credential: staticArmCredential(),
    retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
  });
}

async function providerClient() {
  return createNetworkClient(PROVIDER_SUBSCRIPTION, {
    endpoint: new URL(emulator.url),
    scope: SCOPE,
    credential: staticArmCredential(),
  });
}

async function createEndpoint(name: string) {
  const client = await consumerClient();
  const endpoint = await client.privateEndpoints.beginCreateOrUpdateAndWait('rg-consumer', name, {
    location: 'westeurope',
    manualPrivateLinkServiceConnections: [
      { name, privateLinkServiceId: plsId, requestMessage: 'CHG0000001 - data path test' },
    ],
  });
  const connection = [...(emulator.world.privateLinkService(plsId)?.connections.values() ?? [])].find(
    (c) => c.privateEndpointId.toLowerCase() === privateEndpointIdOf(CONSUMER, name).toLowerCase(),
  );
  if (connection === undefined) throw new Error('the emulator created no connection');
  return { endpoint, connectionName: connection.name };
}

async function decide(connectionName: string, status: 'Approved' | 'Rejected') {
  const client = await providerClient();
  await client.privateLinkServices.updatePrivateEndpointConnection(
    'rg-provider',
    'pls-data-path',
    connectionName,
    {
      privateLinkServiceConnectionState: { status, description: `${status} by the test` },
    },
  );
}

/** What one HTTP GET through the address gives: the status and Server header, or the socket error code. */
async function get(
  url: string,
  timeoutMs = 5_000,
): Promise<{ status: number; server: string | null } | { error: string }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.text();
    return { status: response.status, server: response.headers.get('server') };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return { error: cause?.code ?? (error as Error).name };
  }
}

/** An open TCP connection through the data path, with a promise that settles when the far side cuts it. */
async function openSocket(ip: string, port: number): Promise<{ socket: Socket; closed: Promise<string> }> {
  const socket = connect({ host: ip, port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const closed = new Promise<string>((resolve) => {
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    socket.once('close', () => resolve('close'));
  });
  return { socket, closed };
}

describe('data path', () => {
  it('gives each private endpoint its own loopback address, shown in the endpoint ARM returns', async () => {
    const { endpoint: first } = await createEndpoint('pe-dp-address-1');
    const { endpoint: second } = await createEndpoint('pe-dp-address-2');
    const firstIp = first.customDnsConfigs?.[0]?.ipAddresses?.[0];
    const secondIp = second.customDnsConfigs?.[0]?.ipAddresses?.[0];
    expect(firstIp).toMatch(/^127\.0\.0\.\d+$/);
    expect(secondIp).toMatch(/^127\.0\.0\.\d+$/);
    expect(firstIp).not.toBe(secondIp);
    expect(dataPath.addressing).toBe('addresses');
    const address = await dataPath.reserve(first.id ?? '');
    expect(address.ip).toBe(firstIp);
    expect(address.port).toBe(dataPath.port);
    // The same address on a later GET: it belongs to the endpoint, like a NIC's.
    const again = await (await consumerClient()).privateEndpoints.get('rg-consumer', 'pe-dp-address-1');
    expect(again.customDnsConfigs?.[0]?.ipAddresses).toEqual([firstIp]);
  });

  it('resets a Pending endpoint, forwards to the backend once Approved, and resets again after a rejection', async () => {
    const { endpoint, connectionName } = await createEndpoint('pe-dp-lifecycle');
    const address = await dataPath.reserve(endpoint.id ?? '');

    expect(await get(address.url)).toEqual({ error: 'ECONNRESET' });

    await decide(connectionName, 'Approved');
    expect(await get(address.url)).toEqual({ status: 200, server: 'Microsoft-IIS/10.0' });

    await decide(connectionName, 'Rejected');
    expect(await get(address.url)).toEqual({ error: 'ECONNRESET' });
  });

  it('cuts the open connections of an endpoint whose connection is rejected', async () => {
    const { endpoint, connectionName } = await createEndpoint('pe-dp-cut');
    await decide(connectionName, 'Approved');
    const address = await dataPath.reserve(endpoint.id ?? '');
    const { socket, closed } = await openSocket(address.ip, address.port);
    // The pipe is live: a request gets IIS's answer on the same socket.
    const answer = new Promise<string>((resolve) =>
      socket.once('data', (chunk: Buffer) => resolve(chunk.toString())),
    );
    socket.write('GET / HTTP/1.1\r\nHost: pe\r\nConnection: keep-alive\r\n\r\n');
    expect(await answer).toMatch(/^HTTP\/1\.1 200/);
    const severedBefore = dataPath.stats.severed;

    await decide(connectionName, 'Rejected');
    expect(await closed).toMatch(/ECONNRESET|close/);
    expect(dataPath.stats.severed).toBe(severedBefore + 1);
  });

  it('refuses an endpoint whose connection the provider removed, and one that does not exist yet', async () => {
    const { endpoint, connectionName } = await createEndpoint('pe-dp-removed');
    await decide(connectionName, 'Approved');
    const address = await dataPath.reserve(endpoint.id ?? '');
    expect(await get(address.url)).toMatchObject({ status: 200 });
    const client = await providerClient();
    await client.privateLinkServices.beginDeletePrivateEndpointConnectionAndWait(
      'rg-provider',
      'pls-data-path',
      connectionName,
      { updateIntervalInMs: 5 },
    );
    expect(await get(address.url)).toEqual({ error: 'ECONNRESET' });

    const future = await dataPath.reserve(privateEndpointIdOf(CONSUMER, 'pe-dp-not-yet'));
    expect(await get(future.url)).toEqual({ error: 'ECONNRESET' });
  });

  it('resets an approved endpoint while its backend is down, and forwards again when it is back', async () => {
    const { endpoint, connectionName } = await createEndpoint('pe-dp-backend');
    await decide(connectionName, 'Approved');
    const address = await dataPath.reserve(endpoint.id ?? '');
    const failuresBefore = dataPath.stats.backendFailures;
    await iis.setMode('down');
    try {
      expect(await get(address.url)).toEqual({ error: 'ECONNRESET' });
      expect(dataPath.stats.backendFailures).toBe(failuresBefore + 1);
    } finally {
      await iis.setMode('up');
    }
    expect(await get(address.url)).toMatchObject({ status: 200 });
  });
});

describe('data path options', () => {
  it('in ports mode gives every endpoint 127.0.0.1 with a port of its own, and can hold refused clients silently', async () => {
    const local = await startArmEmulator({ lroDurationMs: 5 });
    const pls = local.world.addPrivateLinkService({ id: plsIdOf('pls-ports') });
    local.world.addConnection({
      plsId: pls.id,
      privateEndpointId: privateEndpointIdOf(CONSUMER, 'pe-seeded'),
    });
    const path = await startDataPath({ emulator: local, addressing: 'ports', notApproved: 'blackhole' });
    try {
      const seeded = await path.reserve(privateEndpointIdOf(CONSUMER, 'pe-seeded'));
      const other = await path.reserve(privateEndpointIdOf(CONSUMER, 'pe-other'));
      expect(seeded.ip).toBe('127.0.0.1');
      expect(other.ip).toBe('127.0.0.1');
      expect(seeded.port).not.toBe(other.port);
      expect(path.port).toBeUndefined();
      expect(local.world.privateIpOf(privateEndpointIdOf(CONSUMER, 'pe-seeded'))).toBe('127.0.0.1');
      // Blackhole: the client's request is swallowed and nothing comes back before its own deadline.
      expect(await get(seeded.url, 500)).toEqual({ error: 'TimeoutError' });
    } finally {
      await path.stop();
      await local.stop();
    }
  }, 15_000);
});
