/*
 * The dashboard's built files (`npm run build:dashboard`, part of `npm run build`), read once per
 * process and kept in memory: they are small (a few hundred KiB) and immutable for the life of a
 * deployment. Read as files through their manifest: server code never imports the browser app or
 * its build script (test/unit/architecture/layers.test.ts, rule d).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../errors';
import { findAppRoot } from '../../host/app-root';
import {
  ASSETS_PATH,
  type DashboardManifest,
  dashboardManifestSchema,
  MANIFEST_FILE,
} from '../core/asset-manifest';

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

/** The assets of this app (the same folder from sources, from dist/ and from the package). */
export function dashboardAssets(): Promise<DashboardAssets> {
  loading ??= loadDashboardAssets(join(findAppRoot(__dirname), ...ASSETS_PATH)).catch((error: unknown) => {
    loading = undefined; // a later call tries again (e.g. after `npm run build:dashboard`)
    throw error;
  });
  return loading;
}

/**
 * The assets in `dir`. Without them (a checkout compiled with `build:tsc` only, or a package built
 * without them) the answer is a clear 503 naming the command that builds them, not a broken page.
 */
export async function loadDashboardAssets(dir: string): Promise<DashboardAssets> {
  const manifest = await readManifest(dir);
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

async function readManifest(dir: string): Promise<DashboardManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new AppError(
      'dependency_unavailable',
      'The dashboard assets are not built. Run `npm run build:dashboard` (part of the deployment build).',
      { cause: error },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = dashboardManifestSchema.safeParse(json);
  // Our own build writes it; anything else is a broken deployment, refused rather than served from.
  if (!parsed.success)
    throw new AppError(
      'dependency_unavailable',
      'The dashboard asset manifest is invalid. Run `npm run build:dashboard` (part of the deployment build).',
    );
  return parsed.data;
}
