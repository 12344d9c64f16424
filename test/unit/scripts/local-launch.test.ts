import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { launchLocal } from '../../../scripts/local-launch';

/** A real listener on loopback: the port another `npm run local` would hold. */
async function occupiedPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, server };
}

describe('npm run local checks its port before the compile', () => {
  let root: string;
  let busy: { port: number; server: Server };
  const steps: string[] = [];
  const errors: string[] = [];
  const run = async (command: string, args: readonly string[]) => {
    steps.push([command.endsWith('node') ? 'node' : command, ...args].join(' '));
    return 0;
  };

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'local-launch-'));
    busy = await occupiedPort();
    steps.length = 0;
    errors.length = 0;
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => busy.server.close(() => resolve()));
    rmSync(root, { recursive: true, force: true });
  });

  it('stops with the busy-port message and builds nothing when --port is taken', async () => {
    const code = await launchLocal(['--port', String(busy.port), '--quiet'], {}, root, run, (m) =>
      errors.push(m),
    );
    expect(code).toBe(1);
    expect(steps).toEqual([]);
    expect(errors).toEqual([expect.stringContaining(`port ${busy.port} on 127.0.0.1 is already in use`)]);
    expect(errors[0]).toContain(`--port ${busy.port + 1}`);
  });

  it('reads LOCAL_PORT and local.settings.json Host.LocalHttpPort like the host does', async () => {
    expect(await launchLocal([], { LOCAL_PORT: String(busy.port) }, root, run, (m) => errors.push(m))).toBe(
      1,
    );
    writeFileSync(join(root, 'local.settings.json'), JSON.stringify({ Host: { LocalHttpPort: busy.port } }));
    expect(await launchLocal([], {}, root, run, (m) => errors.push(m))).toBe(1);
    expect(steps).toEqual([]);
    expect(errors).toHaveLength(2);
  });

  it('builds, packages, then starts the host with the same arguments when the port is free', async () => {
    const code = await launchLocal(
      ['--port', '0', '--scenario', 'lab/short-scenario.yaml'],
      {},
      root,
      run,
      (m) => errors.push(m),
    );
    expect(code).toBe(0);
    expect(errors).toEqual([]);
    expect(steps).toEqual([
      'npm run build',
      'npm run package',
      `node ${join('dist', 'scripts', 'local.js')} --port 0 --scenario lab/short-scenario.yaml`,
    ]);
  });

  it('stops at the first failing step', async () => {
    const failing = async (command: string, args: readonly string[]) => {
      steps.push([command, ...args].join(' '));
      return 2;
    };
    expect(await launchLocal(['--port', '0'], {}, root, failing, (m) => errors.push(m))).toBe(2);
    expect(steps).toEqual(['npm run build']);
  });
});
