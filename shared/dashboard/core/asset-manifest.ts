import { z } from 'zod';

/*
 * The dashboard's built assets as the server and the build script (dashboard/build.ts) both see
 * them: where they sit, the manifest that names them, and its shape. Declared here, on the server
 * side, so that the page routes read the build's output as files and never import the browser app.
 */

/** Where `npm run build:dashboard` writes the assets, relative to the app root (the package ships it). */
export const ASSETS_PATH = ['dist', 'dashboard', 'assets'] as const;

/** Written last (by rename) beside the assets, so a reader never sees a half-written build. */
export const MANIFEST_FILE = 'manifest.json';

/** A plain file name inside the assets folder: a manifest naming a path elsewhere is refused. */
const assetFileName = z
  .string()
  .regex(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/, 'expected a file name in the assets folder');

export const dashboardManifestSchema = z.strictObject({
  /** The content-hashed script and stylesheet, and the page that points at them. */
  script: assetFileName,
  style: assetFileName,
  page: assetFileName,
  builtAt: z.iso.datetime(),
});

export type DashboardManifest = z.infer<typeof dashboardManifestSchema>;
