import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  IIS_NOT_FOUND_PAGE,
  IIS_SERVICE_UNAVAILABLE_PAGE,
  IIS_WELCOME_PAGE,
  isDefaultDocument,
  sendIisPage,
} from './iis-responses';

/**
 * A stand-in for the provider's IIS site, for `npm run local` and tests: it answers like an IIS 10
 * default web site, and can be switched into the failure modes the probe must tell apart.
 *
 * - `up`: 200 with the welcome page on `/`, 404 elsewhere.
 * - `slow`: like `up`, after `slowMs` (default 2000 ms) before the headers.
 * - `error`: 503 from "HTTP.sys" (the application pool is stopped).
 * - `down`: nothing listens on the port any more (connections are refused), as when IIS is stopped.
 */
export type IisMode = 'up' | 'down' | 'slow' | 'error';

export interface IisStandInOptions {
  /** Default 8080; 0 picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  readonly slowMs?: number;
}

export interface IisStandIn {
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly mode: IisMode;
  setMode(mode: IisMode): Promise<void>;
  setHealthy(healthy: boolean): Promise<void>;
  stop(): Promise<void>;
}

export const IIS_STAND_IN_DEFAULT_PORT = 8080;

export async function startIisStandIn(options: IisStandInOptions = {}): Promise<IisStandIn> {
  const host = options.host ?? '127.0.0.1';
  const slowMs = options.slowMs ?? 2000;
  let mode: IisMode = 'up';
  const pending = new Set<NodeJS.Timeout>();

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const head = request.method === 'HEAD';
    const answer = () => {
      if (mode === 'error') {
        sendIisPage(response, 503, IIS_SERVICE_UNAVAILABLE_PAGE, { head, server: 'Microsoft-HTTPAPI/2.0' });
        return;
      }
      if (request.method !== 'GET' && !head) {
        response.setHeader('Allow', 'GET, HEAD, OPTIONS, TRACE');
        sendIisPage(
          response,
          405,
          IIS_NOT_FOUND_PAGE.replace(/404 - File or directory not found\./g, '405 - Method not allowed.'),
          { head },
        );
        return;
      }
      const path = new URL(request.url ?? '/', 'http://stand-in').pathname;
      if (isDefaultDocument(path)) sendIisPage(response, 200, IIS_WELCOME_PAGE, { head });
      else sendIisPage(response, 404, IIS_NOT_FOUND_PAGE, { head });
    };
    if (mode === 'slow') {
      const timer = setTimeout(() => {
        pending.delete(timer);
        answer();
      }, slowMs);
      pending.add(timer);
      response.once('close', () => {
        clearTimeout(timer);
        pending.delete(timer);
      });
    } else {
      answer();
    }
  };

  let server: Server = createServer(handle);
  const port = await listen(server, options.port ?? IIS_STAND_IN_DEFAULT_PORT, host);
  let listening = true;

  const close = async () => {
    if (!listening) return;
    listening = false;
    for (const timer of pending) clearTimeout(timer);
    pending.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  };

  const standIn: IisStandIn = {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    port,
    host,
    get mode() {
      return mode;
    },
    async setMode(next) {
      if (next === 'down') await close();
      else if (!listening) {
        server = createServer(handle);
        await listen(server, port, host);
        listening = true;
      }
      mode = next;
    },
    setHealthy(healthy) {
      return standIn.setMode(healthy ? 'up' : 'error');
    },
    stop: close,
  };
  return standIn;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}
