import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback proxy in front of Azurite's table endpoint that counts what the app reads: requests
 * and entities per table (a query page's `value` array, or one entity for a point read). Tests and
 * benchmarks point a container at `connectionString` and read `snapshot()` around one call, which
 * proves from the wire (not from the code's own bookkeeping) how much a route reads and from where.
 */

export interface TableRead {
  readonly table: string;
  readonly method: string;
  readonly entities: number;
}

export interface TrafficSnapshot {
  readonly requests: number;
  readonly entities: number;
  readonly byTable: Readonly<Record<string, { readonly requests: number; readonly entities: number }>>;
}

export interface TableTraffic {
  readonly connectionString: string;
  reset(): void;
  snapshot(): TrafficSnapshot;
  stop(): Promise<void>;
}

/** `/devstoreaccount1/plgProbeRollups(PartitionKey='x',RowKey='y')` → `plgProbeRollups`. */
function tableOf(path: string): string {
  const segment = path.split('?')[0]?.split('/')[2] ?? '';
  return decodeURIComponent(segment.replace(/\(.*$/, ''));
}

function entitiesIn(body: Buffer, contentType: string): number {
  if (!contentType.includes('json') || body.byteLength === 0) return 0;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    if (Array.isArray(parsed.value)) return parsed.value.length;
    return typeof parsed.PartitionKey === 'string' ? 1 : 0;
  } catch {
    return 0;
  }
}

export async function startTableTraffic(azuriteConnectionString: string): Promise<TableTraffic> {
  const endpoint = /TableEndpoint=(http:\/\/[^;]+)/.exec(azuriteConnectionString)?.[1];
  if (endpoint === undefined) throw new Error('the connection string has no TableEndpoint');
  const upstream = new URL(endpoint);
  let reads: TableRead[] = [];

  const forward = (incoming: IncomingMessage, out: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (c: Buffer) => chunks.push(c));
    incoming.on('end', () => {
      const proxied = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: incoming.method,
          path: incoming.url,
          headers: { ...incoming.headers, host: upstream.host },
        },
        (response) => {
          const body: Buffer[] = [];
          response.on('data', (c: Buffer) => body.push(c));
          response.on('end', () => {
            const buffer = Buffer.concat(body);
            if (incoming.method === 'GET')
              reads.push({
                table: tableOf(incoming.url ?? ''),
                method: incoming.method,
                entities: entitiesIn(buffer, String(response.headers['content-type'] ?? '')),
              });
            out.writeHead(response.statusCode ?? 502, response.headers);
            out.end(buffer);
          });
        },
      );
      proxied.on('error', () => {
        out.writeHead(502);
        out.end();
      });
      proxied.end(Buffer.concat(chunks));
    });
  };

  const server = createServer(forward);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    connectionString: azuriteConnectionString.replace(
      endpoint,
      `http://127.0.0.1:${port}${upstream.pathname}`,
    ),
    reset() {
      reads = [];
    },
    snapshot() {
      const byTable: Record<string, { requests: number; entities: number }> = {};
      for (const r of reads) {
        const entry = byTable[r.table] ?? { requests: 0, entities: 0 };
        entry.requests += 1;
        entry.entities += r.entities;
        byTable[r.table] = entry;
      }
      return { requests: reads.length, entities: reads.reduce((n, r) => n + r.entities, 0), byTable };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
