/*
 * A backend stand-in for a Private Link Service with TCP proxy v2 on: what a provider puts behind
 * such a PLS (IIS itself cannot read PROXY headers; a proxy that understands PROXY v2 sits in front
 * of it, docs/local-lab.md). Each TCP connection must start with a PROXY v2 header (one without is
 * refused, as Azure says a request fails when the setting and the backend disagree); the header's
 * Azure TLV gives the link id, which the stand-in maps to the consumer by asking the app's
 * `GET /api/links/{linkId}`, logs, and then serves the connection's HTTP requests: as the proxy in
 * front of IIS when given an `upstream` (each request forwarded with `X-Forwarded-For` and the link
 * id, each answer returned with headers naming the consumer), else with a JSON answer naming it.
 * Loopback only.
 */
import {
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { isLoopbackHost } from '../../shared/net/loopback';
import { type ProxyV2Header, parseProxyV2 } from './proxy-protocol';

export interface LinkLookup {
  /** The links route's status (200, 404, ...), or 0 when the app could not be reached. */
  readonly status: number;
  /** Its JSON answer on 200, else undefined. */
  readonly link: Record<string, unknown> | undefined;
}

export interface SeenConnection {
  readonly at: string;
  readonly command: ProxyV2Header['command'];
  readonly source: string | undefined;
  readonly linkId: string | undefined;
  readonly lookupStatus: number | undefined;
  readonly consumerSubscriptionId: string | undefined;
}

export interface ProxyV2Backend {
  readonly url: string;
  readonly port: number;
  /** Where the app answers (`http://127.0.0.1:7071`): set once the local host is ready. */
  setAppUrl(url: string): void;
  /** Connections seen so far (newest last), and those refused for a missing or malformed header. */
  readonly seen: readonly SeenConnection[];
  readonly refused: number;
  stop(): Promise<void>;
}

export interface ProxyV2BackendOptions {
  readonly host?: string;
  readonly port?: number;
  readonly appUrl?: string;
  /** Headers for the links route (the reader's principal when the app checks one). */
  readonly appHeaders?: Readonly<Record<string, string>>;
  /** One JSON line per connection (the lab's logger); silent by default. */
  readonly log?: (line: string) => void;
  /** How long a client may take to send its header before it is cut. */
  readonly headerTimeoutMs?: number;
  /** The site behind the proxy (the IIS stand-in's URL); without it the stand-in answers itself. */
  readonly upstream?: string;
}

/** Headers the stand-in adds to each answer: the consumer behind the connection, as the app named it. */
export const CONSUMER_HEADERS = {
  linkId: 'x-pls-link-id',
  subscription: 'x-pls-consumer-subscription',
  tenant: 'x-pls-consumer-tenant',
  connection: 'x-pls-connection',
} as const;

const parsedHeaders = new WeakMap<Socket, ProxyV2Header>();
const lookups = new WeakMap<Socket, Promise<LinkLookup | undefined>>();

export async function startProxyV2Backend(options: ProxyV2BackendOptions = {}): Promise<ProxyV2Backend> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host)) throw new Error('The PROXY v2 backend stand-in listens on loopback only.');
  let appUrl = options.appUrl;
  const seen: SeenConnection[] = [];
  let refused = 0;
  const sockets = new Set<Socket>();

  const lookup = async (linkId: string): Promise<LinkLookup> => {
    if (appUrl === undefined) return { status: 0, link: undefined };
    try {
      const response = await fetch(`${appUrl}/api/links/${encodeURIComponent(linkId)}`, {
        headers: { ...options.appHeaders },
        signal: AbortSignal.timeout(5_000),
      });
      const body: unknown = await response.json().catch(() => undefined);
      const link =
        response.status === 200 && body !== null && typeof body === 'object'
          ? (body as Record<string, unknown>)
          : undefined;
      return { status: response.status, link };
    } catch {
      return { status: 0, link: undefined };
    }
  };

  const upstream = options.upstream === undefined ? undefined : new URL(options.upstream);
  if (upstream !== undefined && !isLoopbackHost(upstream.hostname.replace(/^\[|\]$/g, '')))
    throw new Error('The PROXY v2 backend stand-in forwards to loopback only.');

  const http = createHttpServer(async (request: IncomingMessage, response: ServerResponse) => {
    const header = parsedHeaders.get(request.socket);
    const found = await lookups.get(request.socket);
    const consumer: Record<string, string> = {};
    if (header?.azureLinkId !== undefined) consumer[CONSUMER_HEADERS.linkId] = header.azureLinkId;
    for (const [key, field] of [
      [CONSUMER_HEADERS.subscription, 'consumerSubscriptionId'],
      [CONSUMER_HEADERS.tenant, 'consumerTenantId'],
      [CONSUMER_HEADERS.connection, 'connection'],
    ] as const) {
      const value = found?.link?.[field];
      if (typeof value === 'string') consumer[key] = value;
    }
    if (upstream !== undefined) {
      forward(request, response, upstream, header, consumer);
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json', ...consumer });
    response.end(
      JSON.stringify({
        served: 'proxy-v2 backend stand-in',
        proxy: header === undefined ? null : { command: header.command, source: header.source ?? null },
        linkId: header?.azureLinkId ?? null,
        lookupStatus: found?.status ?? null,
        consumer: found?.link ?? null,
      }),
    );
  });

  const accept = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => refuse('no PROXY v2 header in time'), options.headerTimeoutMs ?? 5_000);
    const refuse = (reason: string) => {
      clearTimeout(timer);
      refused += 1;
      options.log?.(JSON.stringify({ event: 'proxy_v2.refused', reason }));
      socket.removeListener('data', onData);
      socket.resetAndDestroy();
    };
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const parsed = parseProxyV2(buffered);
      if (parsed.kind === 'incomplete') return;
      if (parsed.kind === 'invalid') {
        refuse(parsed.reason);
        return;
      }
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.pause();
      const header = parsed.header;
      parsedHeaders.set(socket, header);
      const linkId = header.azureLinkId;
      const found = linkId === undefined ? Promise.resolve(undefined) : lookup(linkId);
      lookups.set(socket, found);
      void found.then((result) => {
        const entry: SeenConnection = {
          at: new Date().toISOString(),
          command: header.command,
          source: header.source === undefined ? undefined : `${header.source.address}:${header.source.port}`,
          linkId,
          lookupStatus: result?.status,
          consumerSubscriptionId:
            typeof result?.link?.consumerSubscriptionId === 'string'
              ? result.link.consumerSubscriptionId
              : undefined,
        };
        seen.push(entry);
        options.log?.(
          JSON.stringify({ event: 'proxy_v2.connection', ...entry, consumer: result?.link ?? null }),
        );
      });
      const rest = buffered.subarray(header.length);
      if (rest.length > 0) socket.unshift(rest);
      http.emit('connection', socket);
      socket.resume();
    };
    socket.on('data', onData);
  };

  const server: Server = createServer(accept);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    setAppUrl(url: string) {
      appUrl = url.replace(/\/$/, '');
    },
    get seen() {
      return seen;
    },
    get refused() {
      return refused;
    },
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      http.close();
    },
  };
}

/** The proxy's part: the request to the site with the client's address, the answer back with the consumer's headers. */
function forward(
  request: IncomingMessage,
  response: ServerResponse,
  upstream: URL,
  header: ProxyV2Header | undefined,
  consumer: Readonly<Record<string, string>>,
): void {
  const headers = { ...request.headers };
  if (header?.source !== undefined) headers['x-forwarded-for'] = header.source.address;
  if (header?.azureLinkId !== undefined) headers[CONSUMER_HEADERS.linkId] = header.azureLinkId;
  const outgoing = httpRequest(
    {
      host: upstream.hostname.replace(/^\[|\]$/g, ''),
      port: Number(upstream.port || 80),
      method: request.method,
      path: request.url,
      headers,
    },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, { ...answer.headers, ...consumer });
      answer.pipe(response);
    },
  );
  outgoing.on('error', () => {
    if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain', ...consumer });
    response.end('the site behind the proxy did not answer');
  });
  request.pipe(outgoing);
}
