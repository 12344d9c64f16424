import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  QueueFunctionDefinition,
  RegisteredFunction,
  TimerFunctionDefinition,
} from '../../shared/host/function-definition';
import { EVENT_GRID_WEBHOOK_PATH, handleEventGridDelivery } from './event-grid-webhook';
import { sendHostProblem } from './host-problem';
import { flattenHeaders, readBody } from './http-conversion';
import { dispatchHttp, httpRouteTable } from './http-dispatch';
import type { HostLogger } from './invocation-logger';
import type { LocalEnv } from './local-env';
import { portInUseMessage } from './local-port';
import { DEFAULT_QUEUE_OPTIONS, type QueueOptions, type QueuePoller, startQueuePoller } from './queue-poller';
import { startTimers, type TimerScheduler } from './timer-scheduler';

export interface LocalHostOptions {
  readonly definitions: readonly RegisteredFunction[];
  readonly env: LocalEnv;
  readonly logger: HostLogger;
  /** Loopback only by default: the local host enforces no auth level. */
  readonly hostname?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly routePrefix?: string;
  readonly queueOptions?: QueueOptions;
  readonly timers?: boolean;
  readonly queues?: boolean;
}

export interface FunctionListing {
  readonly name: string;
  readonly trigger: string;
  readonly where: string;
}

export interface LocalHost {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:7071. */
  readonly url: string;
  readonly port: number;
  readonly functions: readonly FunctionListing[];
  stop(): Promise<void>;
}

function checkUniqueNames(definitions: readonly RegisteredFunction[]): void {
  const seen = new Set<string>();
  for (const d of definitions) {
    const key = d.name.toLowerCase();
    if (seen.has(key))
      throw new Error(`Two functions are named "${d.name}"; the host requires unique names.`);
    seen.add(key);
  }
}

function listFunctions(
  definitions: readonly RegisteredFunction[],
  base: string,
  prefix: string,
  timers: TimerScheduler | undefined,
  pollers: readonly QueuePoller[],
): FunctionListing[] {
  return definitions.map((d) => {
    switch (d.kind) {
      case 'http':
        return {
          name: d.name,
          trigger: `http [${d.options.methods.join(',')}]`,
          where: `${base}/${prefix === '' ? '' : `${prefix}/`}${d.options.route || d.name}`,
        };
      case 'eventGrid':
        return {
          name: d.name,
          trigger: 'eventGrid',
          where: `${base}${EVENT_GRID_WEBHOOK_PATH}?functionName=${d.name}`,
        };
      case 'timer': {
        const timer = timers?.timers.find((t) => t.name === d.name);
        const next = timer?.nextRun()?.toISOString();
        return {
          name: d.name,
          trigger: 'timer',
          where:
            timer === undefined
              ? 'disabled'
              : `${timer.schedule}${next === undefined ? '' : ` (next ${next})`}`,
        };
      }
      case 'storageQueue':
        break;
    }
    const poller = pollers.find((p) => p.functionName === d.name);
    return {
      name: d.name,
      trigger: 'storageQueue',
      where: poller === undefined ? 'disabled' : `queue ${poller.queueName}`,
    };
  });
}

/**
 * Serves function definitions the way `func start` does, in this process: HTTP routes under the
 * route prefix, the Event Grid webhook, timers on their schedules and storage queue polling.
 * It takes the definitions as a parameter, so tests serve their own and the CLI serves FUNCTIONS.
 */
export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const { definitions, env, logger } = options;
  checkUniqueNames(definitions);
  const routePrefix = (options.routePrefix ?? 'api').replace(/^\/+|\/+$/g, '');
  const table = httpRouteTable(definitions);
  const hostname = options.hostname ?? '127.0.0.1';
  let base = '';

  const handle = async (incoming: IncomingMessage, out: ServerResponse) => {
    const correlationId = randomUUID();
    const url = new URL(incoming.url ?? '/', base);
    const path = url.pathname;
    if (path.toLowerCase() === EVENT_GRID_WEBHOOK_PATH) {
      const body = await readBody(incoming, 64 * 1024 * 1024);
      const reply = await handleEventGridDelivery(
        {
          method: incoming.method ?? 'GET',
          functionName: url.searchParams.get('functionName'),
          headers: flattenHeaders(incoming.headers),
          body,
        },
        definitions,
        logger,
      );
      if (reply.kind === 'problem') {
        sendHostProblem(out, { ...reply, correlationId });
        return;
      }
      const text = reply.json === undefined ? '' : JSON.stringify(reply.json);
      out.writeHead(reply.status, {
        ...(text === '' ? {} : { 'content-type': 'application/json' }),
        'content-length': Buffer.byteLength(text),
        ...reply.headers,
      });
      out.end(text);
      return;
    }
    const lower = path.toLowerCase();
    const prefixPath = routePrefix === '' ? '/' : `/${routePrefix.toLowerCase()}`;
    if (routePrefix === '' || lower === prefixPath || lower.startsWith(`${prefixPath}/`)) {
      await dispatchHttp(
        table,
        path.slice(prefixPath === '/' ? 0 : prefixPath.length),
        url,
        incoming,
        out,
        logger,
        correlationId,
      );
      return;
    }
    sendHostProblem(out, {
      status: 404,
      code: 'not_found',
      detail: `Nothing is served at ${path}.`,
      correlationId,
    });
  };

  const server = createServer((incoming, out) => {
    handle(incoming, out).catch((error: unknown) => {
      if (closedByClient(incoming, out, error)) {
        // A browser that navigated away, a curl stopped with Ctrl+C: nothing failed in the host and
        // nobody waits for an answer. One line, no stack; the invocation line already tells the rest.
        logger.info(`request ${incoming.method} ${incoming.url}: the client closed it before the answer`);
        if (!out.destroyed) out.destroy();
        return;
      }
      logger.error(
        `request ${incoming.method} ${incoming.url} failed in the host: ${(error as Error).stack ?? String(error)}`,
      );
      if (!out.headersSent) {
        sendHostProblem(out, {
          status: 500,
          code: 'internal',
          detail: 'The local host failed to handle the request.',
          correlationId: randomUUID(),
        });
      } else out.destroy();
    });
  });
  const wanted = options.port ?? 7071;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(portInUseMessage(wanted, hostname)) : error),
    );
    server.listen(wanted, hostname, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  base = `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;

  let timers: TimerScheduler | undefined;
  const pollers: QueuePoller[] = [];
  const stop = async () => {
    await timers?.stop();
    await Promise.allSettled(pollers.map((p) => p.stop()));
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => server.closeAllConnections(), 5_000);
      server.close(() => {
        clearTimeout(force);
        resolve();
      });
      server.closeIdleConnections();
    });
  };

  try {
    if (options.timers !== false) {
      const timerDefs = definitions.filter((d): d is TimerFunctionDefinition => d.kind === 'timer');
      timers = startTimers(timerDefs, env, logger);
    }
    if (options.queues !== false) {
      for (const d of definitions.filter((x): x is QueueFunctionDefinition => x.kind === 'storageQueue')) {
        pollers.push(await startQueuePoller(d, env, logger, options.queueOptions ?? DEFAULT_QUEUE_OPTIONS));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return { url: base, port, functions: listFunctions(definitions, base, routePrefix, timers, pollers), stop };
}

/** Error codes Node gives a read or write on a connection the other side closed. */
const CLIENT_CLOSED_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_STREAM_DESTROYED',
]);

/** True when the request failed only because the client went away (aborted body, closed socket). */
export function closedByClient(incoming: IncomingMessage, out: ServerResponse, error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CLIENT_CLOSED_CODES.has(code)) return true;
  if ((error as Error | null)?.message === 'aborted') return true;
  return incoming.destroyed && out.destroyed && !out.writableFinished;
}
