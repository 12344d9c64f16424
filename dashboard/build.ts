/*
 * Builds the dashboard's browser assets with esbuild: dashboard/src/main.ts (with Chart.js and the
 * CSS it imports) into one minified script and one stylesheet with content-hashed names, and
 * dashboard/src/page.html into index.html pointing at them. Output: dist/dashboard/assets/, with
 * manifest.json written last (by rename), so a reader never sees a half-written build.
 *
 * `npm run build:dashboard` (and so `npm run build`) runs this. The server reads the output as
 * files through the manifest (shared/dashboard/core/asset-manifest.ts, whose shape and place both
 * sides share); it never imports this script.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type * as Esbuild from 'esbuild';
import { ASSETS_PATH, type DashboardManifest, MANIFEST_FILE } from '../shared/dashboard/core/asset-manifest';
import { findAppRoot } from '../shared/host/app-root';

/** The repository (app) root, from source or from dist/. */
export function appRoot(start = __dirname): string {
  return findAppRoot(start);
}

export function assetsDir(root = appRoot()): string {
  return join(root, ...ASSETS_PATH);
}

// Held in a variable so that bundling the app (scripts/build-bundle.ts) does not try to bundle
// esbuild itself: production ships prebuilt assets and never reaches this import.
const ESBUILD = 'esbuild';

export async function buildDashboard(
  options: { readonly root?: string; readonly outdir?: string } = {},
): Promise<DashboardManifest> {
  const root = options.root ?? appRoot();
  const outdir = options.outdir ?? assetsDir(root);
  const esbuild = (await import(ESBUILD)) as typeof Esbuild;
  // Built into a private directory, then renamed into place file by file: two processes building
  // at once (parallel test workers) never expose a half-written file to a reader.
  const staging = `${outdir}.${process.pid}.staging`;
  rmSync(staging, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['dashboard/src/main.ts'],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    // The theme colours use CSS light-dark(), which esbuild passes through unchanged: Chrome/Edge 123,
    // Firefox 120 and Safari 17.5 are the first to support it (MDN, "light-dark() CSS function").
    target: ['chrome123', 'firefox120', 'safari17.5'],
    minify: true,
    legalComments: 'none',
    entryNames: 'dashboard-[hash]',
    outdir: staging,
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.entries(result.metafile.outputs);
  const script = outputs.find(([, o]) => o.entryPoint === 'dashboard/src/main.ts');
  const style = script?.[1].cssBundle;
  if (script === undefined || style === undefined)
    throw new Error('esbuild produced no script or no stylesheet');
  const names = { script: basename(script[0]), style: basename(style) };
  mkdirSync(outdir, { recursive: true });
  for (const name of readdirSync(staging)) renameSync(join(staging, name), join(outdir, name));
  rmSync(staging, { recursive: true, force: true });
  const template = readFileSync(join(root, 'dashboard', 'src', 'page.html'), 'utf8');
  const page = template
    .replaceAll('{{script}}', `dashboard/assets/${names.script}`)
    .replaceAll('{{style}}', `dashboard/assets/${names.style}`);
  const manifest: DashboardManifest = { ...names, page: 'index.html', builtAt: new Date().toISOString() };
  atomicWrite(join(outdir, manifest.page), page);
  atomicWrite(join(outdir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function atomicWrite(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}

if (require.main === module) {
  buildDashboard()
    .then((m) => {
      const dir = relative(process.cwd(), assetsDir());
      process.stdout.write(`dashboard: ${dir}/${m.script}, ${dir}/${m.style}, ${dir}/${m.page}\n`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`error: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    });
}
