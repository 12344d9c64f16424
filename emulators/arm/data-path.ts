/*
 * The emulator's data plane: every private endpoint gets a loopback address (its "private IP") whose
 * TCP traffic is forwarded to its Private Link Service's backend (the IIS stand-in) only while the
 * connection is Approved, so a probe sees the effect of every decision.
 *
 * Addressing. `addresses` (default where the OS routes all of 127/8 to loopback, as Linux does): each
 * endpoint gets its own 127.0.0.x on one lab-wide port, mirroring "http://<PE IP>/" (only the port is
 * not 80, which needs privileges). `ports` (fallback, e.g. macOS, where only 127.0.0.1 answers): every
 * endpoint is 127.0.0.1 with a port of its own.
 *
 * What a client sees:
 * - Approved: bytes are piped both ways to the backend; a backend that refuses resets the client.
 * - Pending, Rejected, Disconnected (provider removed it), deleted or not yet created: `reset` (default)
 *   accepts and answers with a TCP RST at once; `blackhole` accepts and stays silent until the client
 *   gives up. In Azure the packets of a not-approved endpoint are dropped and the client times out, but
 *   on loopback a SYN cannot be dropped without privileges: the handshake always completes, so a
 *   "timeout" would surface as an HTTP first-byte timeout and blame the wrong layer. An immediate reset
 *   keeps the failure in the TCP phase, is fast, and the probe labels it with the connection state.
 * - When a connection leaves Approved (rejected, removed, endpoint deleted), its open sockets are destroyed.
 * - When the PLS has TCP proxy v2 on (`enableProxyProtocol`), each forwarded connection starts with a
 *   PROXY v2 header carrying the client's address and the connection's link id in Azure's TLV, as
 *   the PLS does (emulators/proxy-v2/proxy-protocol.ts has the layout and its source).
 */
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { encodeProxyV2 } from '../proxy-v2/proxy-protocol';
import type { ArmEmulator } from './arm-emulator';

export type DataPathAddressing = 'addresses' | 'ports';
export type NotApprovedBehaviour = 'reset' | 'blackhole';

export interface DataPathOptions {
  readonly emulator: Pick<ArmEmulator, 'world' | 'onWrite'>;
  /** `auto` (default) picks `addresses` when 127.0.0.2 can be bound, else `ports`. */
  readonly addressing?: DataPathAddressing | 'auto';
  /** The lab-wide port in `addresses` mode; a free one when omitted. */
  readonly port?: number;
  /** First x of 127.0.0.x handed out (default 10, leaving the low addresses to other services). */
  readonly firstHost?: number;
  /** Backend URL per Private Link Service id (case-insensitive), e.g. the IIS stand-in's URL. */
  readonly backends?: Readonly<Record<string, string>>;
  readonly notApproved?: NotApprovedBehaviour;
}

export interface PrivateEndpointAddress {
  readonly privateEndpointId: string;
  readonly ip: string;
  readonly port: number;
  /** `http://{ip}:{port}/`: what a consumer VM would browse as `http://{PE IP}/`. */
  readonly url: string;
}

export interface DataPathStats {
  /** Client connections piped to a backend. */
  readonly forwarded: number;
  /** Client connections refused because the endpoint's connection was not Approved (or did not exist). */
  readonly refused: number;
  /** Open connections cut because their endpoint's connection left Approved. */
  readonly severed: number;
  /** Approved connections whose backend could not be reached. */
  readonly backendFailures: number;
}

export interface DataPath {
  readonly addressing: DataPathAddressing;
  /** The lab-wide port (`addresses` mode); undefined in `ports` mode. */
  readonly port: number | undefined;
  /** Gives the endpoint (existing or future) its address and starts listening; idempotent. */
  reserve(privateEndpointId: string): Promise<PrivateEndpointAddress>;
  address(privateEndpointId: string): PrivateEndpointAddress | undefined;
  addresses(): PrivateEndpointAddress[];
  setBackend(plsId: string, url: string): void;
  /** Re-checks every open connection against the world (after direct world edits); returns how many were cut. */
  refresh(): number;
  readonly stats: DataPathStats;
  stop(): Promise<void>;
}

interface Pipe {
  readonly client: Socket;
  readonly upstream: Socket;
}

interface Listener {
  address: PrivateEndpointAddress;
  ready: Promise<PrivateEndpointAddress>;
  server: Server | undefined;
  readonly pipes: Set<Pipe>;
}

const MAX_HOST = 254;

export async function startDataPath(options: DataPathOptions): Promise<DataPath> {
  const { world } = options.emulator;
  const requested = options.addressing ?? 'auto';
  const addressing: DataPathAddressing =
    requested === 'auto' ? ((await canBind('127.0.0.2')) ? 'addresses' : 'ports') : requested;
  const sharedPort =
    addressing === 'addresses' ? (options.port ?? (await freePortOn('127.0.0.1'))) : undefined;
  const notApproved = options.notApproved ?? 'reset';
  const backends = new Map<string, { host: string; port: number }>();
  const listeners = new Map<string, Listener>();
  const held = new Set<Socket>();
  let nextHost = options.firstHost ?? 10;
  let stopped = false;
  const stats = { forwarded: 0, refused: 0, severed: 0, backendFailures: 0 };

  const setBackend = (plsId: string, url: string) => {
    const parsed = new URL(url);
    const port = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
    backends.set(plsId.toLowerCase(), { host: parsed.hostname.replace(/^\[|\]$/g, ''), port });
  };
  for (const [plsId, url] of Object.entries(options.backends ?? {})) setBackend(plsId, url);

  /** The backend a client of this endpoint may reach now, or undefined when the connection is not Approved. */
  const route = (
    privateEndpointId: string,
  ): { host: string; port: number; proxyLinkId: number | undefined } | undefined => {
    const endpoint = world.privateEndpoint(privateEndpointId);
    if (endpoint === undefined || endpoint.provisioningState === 'Deleting') return undefined;
    if (world.consumerState(endpoint).status !== 'Approved') return undefined;
    const backend = backends.get(endpoint.plsKey);
    if (backend === undefined) return undefined;
    const pls = world.privateLinkService(endpoint.plsKey);
    const connection = pls?.connections.get(endpoint.plsConnectionName.toLowerCase());
    const proxyLinkId =
      pls?.enableProxyProtocol === true && connection !== undefined
        ? Number(connection.linkIdentifier)
        : undefined;
    return { ...backend, proxyLinkId };
  };

  const refuse = (client: Socket) => {
    stats.refused += 1;
    if (notApproved === 'blackhole') {
      held.add(client);
      client.on('close', () => held.delete(client));
      client.on('error', () => undefined);
      client.resume(); // swallow what the client sends, answer nothing
      return;
    }
    client.on('error', () => undefined);
    client.resetAndDestroy();
  };

  const accept = (listener: Listener, client: Socket) => {
    const backend = route(listener.address.privateEndpointId);
    if (backend === undefined) {
      refuse(client);
      return;
    }
    stats.forwarded += 1;
    const upstream = netConnect({ host: backend.host, port: backend.port });
    const pipe: Pipe = { client, upstream };
    listener.pipes.add(pipe);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
    });
    const end = () => {
      listener.pipes.delete(pipe);
    };
    upstream.on('error', () => {
      if (!connected) stats.backendFailures += 1;
      if (!client.destroyed) client.resetAndDestroy();
    });
    client.on('error', () => {
      if (!upstream.destroyed) upstream.destroy();
    });
    client.on('close', end);
    upstream.on('close', end);
    if (backend.proxyLinkId !== undefined) {
      upstream.write(
        encodeProxyV2({
          source: { address: client.remoteAddress ?? '127.0.0.1', port: client.remotePort ?? 0 },
          destination: { address: client.localAddress ?? listener.address.ip, port: client.localPort ?? 0 },
          linkId: backend.proxyLinkId,
        }),
      );
    }
    client.pipe(upstream);
    upstream.pipe(client);
  };

  const allocate = (privateEndpointId: string): PrivateEndpointAddress => {
    if (addressing === 'ports') {
      return { privateEndpointId, ip: '127.0.0.1', port: 0, url: '' };
    }
    if (nextHost > MAX_HOST) {
      throw new Error(
        `The data path has no 127.0.0.x address left (at most ${MAX_HOST - (options.firstHost ?? 10) + 1} endpoints).`,
      );
    }
    const ip = `127.0.0.${nextHost}`;
    nextHost += 1;
    return { privateEndpointId, ip, port: sharedPort ?? 0, url: `http://${ip}:${sharedPort ?? 0}/` };
  };

  const bind = async (
    listener: Listener,
    planned: PrivateEndpointAddress,
  ): Promise<PrivateEndpointAddress> => {
    const server = createServer({ pauseOnConnect: false }, (client) => accept(listener, client));
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(planned.port, planned.ip, () => {
        server.off('error', reject);
        resolve();
      });
    });
    listener.server = server;
    if (stopped) server.close();
    return planned;
  };

  /** Synchronous part of a reservation: the address is known (and shown by ARM) before the socket listens. */
  const reserveNow = (privateEndpointId: string): Listener => {
    const key = privateEndpointId.toLowerCase();
    const existing = listeners.get(key);
    if (existing !== undefined) return existing;
    const planned = allocate(privateEndpointId);
    const listener: Listener = {
      address: planned,
      server: undefined,
      pipes: new Set(),
      ready: Promise.resolve(planned),
    };
    world.assignPrivateIp(privateEndpointId, planned.ip);
    if (addressing === 'ports') {
      listener.ready = bind(listener, planned).then(() => {
        const port = portOf(listener.server);
        const address = { privateEndpointId, ip: planned.ip, port, url: `http://${planned.ip}:${port}/` };
        listener.address = address;
        return address;
      });
    } else {
      listener.ready = bind(listener, planned);
    }
    // A failed bind is reported to whoever awaits `reserve`; the write listener must not crash the emulator.
    listener.ready.catch(() => undefined);
    listeners.set(key, listener);
    return listener;
  };

  const refresh = (): number => {
    let cut = 0;
    for (const listener of listeners.values()) {
      if (listener.pipes.size === 0) continue;
      if (route(listener.address.privateEndpointId) !== undefined) continue;
      for (const pipe of listener.pipes) {
        cut += 1;
        pipe.upstream.destroy();
        if (!pipe.client.destroyed) pipe.client.resetAndDestroy();
      }
      listener.pipes.clear();
    }
    stats.severed += cut;
    return cut;
  };

  for (const endpoint of world.privateEndpoints()) reserveNow(endpoint.id);
  const unsubscribe = options.emulator.onWrite((event) => {
    if (stopped) return;
    if (event.operationName.toLowerCase() === 'microsoft.network/privateendpoints/write') {
      reserveNow(event.resourceId);
    }
    refresh();
  });

  return {
    addressing,
    port: sharedPort,
    async reserve(privateEndpointId) {
      return reserveNow(privateEndpointId).ready;
    },
    address(privateEndpointId) {
      const listener = listeners.get(privateEndpointId.toLowerCase());
      return listener === undefined || listener.address.port === 0 ? undefined : listener.address;
    },
    addresses() {
      return [...listeners.values()].map((l) => l.address).filter((a) => a.port !== 0);
    },
    setBackend,
    refresh,
    get stats() {
      return { ...stats };
    },
    async stop() {
      stopped = true;
      unsubscribe();
      await Promise.allSettled([...listeners.values()].map((l) => l.ready));
      const closing: Promise<void>[] = [];
      for (const listener of listeners.values()) {
        for (const pipe of listener.pipes) {
          pipe.upstream.destroy();
          pipe.client.destroy();
        }
        listener.pipes.clear();
        const server = listener.server;
        if (server?.listening === true) closing.push(new Promise((resolve) => server.close(() => resolve())));
      }
      for (const socket of held) socket.destroy();
      held.clear();
      await Promise.all(closing);
    },
  };
}

function portOf(server: Server | undefined): number {
  const address = server?.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

function canBind(host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(0, host, () => server.close(() => resolve(true)));
  });
}

function freePortOn(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const port = portOf(server);
      server.close(() => resolve(port));
    });
  });
}
