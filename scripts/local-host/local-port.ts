import { createServer } from 'node:net';

/**
 * The local host's port, chosen one way wherever it is needed: by the launcher that checks it before
 * the compile (scripts/local-launch.ts) and by the host that listens on it (scripts/local.ts).
 * `--port` wins, then LOCAL_PORT, then local.settings.json Host.LocalHttpPort, then 7071 (func start's).
 */
export const DEFAULT_LOCAL_PORT = 7071;
export const LOCAL_HOSTNAME = '127.0.0.1';

export function parsePort(value: string | undefined, origin: string): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`${origin}: expected a port number, got "${value}"`);
  return port;
}

export function chooseLocalPort(
  argPort: string | undefined,
  envPort: string | undefined,
  settingsPort: number | undefined,
): number {
  return (
    parsePort(argPort, '--port') ?? parsePort(envPort, 'LOCAL_PORT') ?? settingsPort ?? DEFAULT_LOCAL_PORT
  );
}

/** What a developer reads when the port is taken: which one, the likely culprit, and the two ways out. */
export function portInUseMessage(port: number, hostname = LOCAL_HOSTNAME): string {
  return `port ${port} on ${hostname} is already in use (another npm run local or func start?). Stop that one, or pick another port: npm run local -- --port ${port + 1}  (or set LOCAL_PORT=${port + 1}).`;
}

/**
 * Whether the host could listen on the port now: a listen and an immediate close on the same address
 * the host uses. Port 0 (any free port) is always free. Other listen errors (permissions) are left
 * for the host itself to report.
 */
export async function portIsFree(port: number, hostname = LOCAL_HOSTNAME): Promise<boolean> {
  if (port === 0) return true;
  const probe = createServer();
  return new Promise<boolean>((resolve) => {
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code !== 'EADDRINUSE'));
    probe.listen(port, hostname, () => probe.close(() => resolve(true)));
  });
}
