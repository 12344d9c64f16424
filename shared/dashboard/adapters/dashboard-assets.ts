/*
 * The dashboard's built files (dashboard/build.ts), read once per process and kept in memory:
 * they are small (a few hundred KiB) and immutable for the life of a deployment.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assetsDir, buildDashboard, type DashboardManifest, MANIFEST } from '../../../dashboard/build';
import { AppError } from '../../errors';

export interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

export interface DashboardAssets {
  readonly page: Asset;
  /** Script and stylesheet by their content-hashed file names. */
  readonly files: ReadonlyMap<string, Asset>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

let loading: Promise<DashboardAssets> | undefined;

export function dashboardAssets(): Promise<DashboardAssets> {
  loading ??= loadAssets(assetsDir()).catch((error: unknown) => {
    loading = undefined; // a later call tries again (e.g. after `npm run build:dashboard`)
    throw error;
  });
  return loading;
}

async function loadAssets(dir: string): Promise<DashboardAssets> {
  const manifest = (await readManifest(dir)) ?? (await buildInDevelopment());
  const read = async (name: string): Promise<Asset> => {
    const body = await readFile(join(dir, name));
    const extension = name.slice(name.lastIndexOf('.'));
    return {
      body,
      contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    };
  };
  const [page, script, style] = await Promise.all([
    read(manifest.page),
    read(manifest.script),
    read(manifest.style),
  ]);
  return {
    page,
    files: new Map([
      [manifest.script, script],
      [manifest.style, style],
    ]),
  };
}

async function readManifest(dir: string): Promise<DashboardManifest | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as DashboardManifest;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * A checkout compiled with `build:tsc` only (`npm run local`, tests) has no assets yet; esbuild is
 * installed there, so build them now. A deployment without assets (esbuild is a dev dependency)
 * gets a clear 503 instead of a broken page.
 */
async function buildInDevelopment(): Promise<DashboardManifest> {
  try {
    return await buildDashboard();
  } catch (error) {
    throw new AppError(
      'dependency_unavailable',
      'The dashboard assets are not built. Run `npm run build:dashboard` (part of the deployment build).',
      { cause: error },
    );
  }
}
