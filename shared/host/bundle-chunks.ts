/** The folder under the bundle's directory that holds the implementation chunks. */
export const BUNDLE_CHUNKS_DIR = 'chunks';

/**
 * The chunk file of a lazily loaded source module, relative to the bundle's directory:
 * `functions/health.ts` -> `chunks/functions.health.mjs`. Flat,
 * so every chunk sits next to the others. The bundle build names chunks with it, and the
 * implementation loader names the file a failed load was after.
 */
export function bundleChunkOf(source: string): string {
  return `${BUNDLE_CHUNKS_DIR}/${source.replace(/\.[cm]?[jt]s$/, '').replaceAll('/', '.')}.mjs`;
}
