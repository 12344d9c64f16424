import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/**
 * Starts Azurite (blob, queue, table) in memory on free loopback ports, for tests and the local
 * host. It is killed by PID: an npx wrapper would leave its child running.
 */
export interface AzuriteInstance {
  readonly blobPort: number;
  readonly queuePort: number;
  readonly tablePort: number;
  readonly connectionString: string;
  readonly pid: number;
  stop(): Promise<void>;
}

// The well-known development account of every Azure Storage emulator; not a secret.
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export function azuriteConnectionString(
  ports: { blobPort: number; queuePort: number; tablePort: number },
  host = '127.0.0.1',
): string {
  return [
    'DefaultEndpointsProtocol=http',
    `AccountName=${DEV_ACCOUNT}`,
    `AccountKey=${DEV_KEY}`,
    `BlobEndpoint=http://${host}:${ports.blobPort}/${DEV_ACCOUNT}`,
    `QueueEndpoint=http://${host}:${ports.queuePort}/${DEV_ACCOUNT}`,
    `TableEndpoint=http://${host}:${ports.tablePort}/${DEV_ACCOUNT}`,
  ].join(';');
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function azuriteScript(): string {
  // Resolve through the package so this works from source (vitest) and from dist/ alike.
  const pkg = require.resolve('azurite/package.json');
  return join(dirname(pkg), 'dist', 'src', 'azurite.js');
}

export async function startAzurite(options: { readonly timeoutMs?: number } = {}): Promise<AzuriteInstance> {
  const [blobPort, queuePort, tablePort] = [await freePort(), await freePort(), await freePort()] as [
    number,
    number,
    number,
  ];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      azuriteScript(),
      '--inMemoryPersistence',
      '--silent',
      '--skipApiVersionCheck',
      '--disableTelemetry',
      '--loose',
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(blobPort),
      '--queueHost',
      '127.0.0.1',
      '--queuePort',
      String(queuePort),
      '--tableHost',
      '127.0.0.1',
      '--tablePort',
      String(tablePort),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('Azurite could not be started (no process id).');

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const hardKill = setTimeout(() => child.kill('SIGKILL'), 3_000);
      child.once('exit', () => {
        clearTimeout(hardKill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  };

  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(
        `Azurite exited with code ${child.exitCode} before it was ready:\n${output.slice(-2000)}`,
      );
    if ((await answers(tablePort)) && (await answers(queuePort)) && (await answers(blobPort))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `Azurite did not answer on ports ${blobPort}/${queuePort}/${tablePort} within the deadline:\n${output.slice(-2000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    blobPort,
    queuePort,
    tablePort,
    connectionString: azuriteConnectionString({ blobPort, queuePort, tablePort }),
    pid,
    stop,
  };
}

async function answers(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}
