/*
 * Finds environment variables that look like a misspelling of one of our settings (`APROVAL_MODE`
 * for `APPROVAL_MODE`). Unknown settings are otherwise invisible: the app would run on the default
 * while the operator believes the setting is in force. Pure: no I/O.
 */
/**
 * Prefixes the platform, the Functions host, Node and the Azure SDKs use for their own variables;
 * never reported, however close they come to one of ours.
 */
const PLATFORM_PREFIXES = [
  'WEBSITE',
  'FUNCTIONS_',
  'AZURE_FUNCTIONS_',
  'AzureFunctionsJobHost',
  'AzureWebJobsScriptRoot',
  'AzureWebJobsFeatureFlags',
  'AzureWebJobsSecretStorage',
  'APPSETTING_',
  'APPLICATIONINSIGHTS_',
  'MSI_',
  'IDENTITY_',
  'CONTAINER_',
  'SCM_',
  'NODE_',
  'npm_',
  'VITEST',
];

/** Only names shaped like ours are considered: upper case with underscores, or the storage family. */
function looksLikeOurs(name: string): boolean {
  if (PLATFORM_PREFIXES.some((prefix) => name.startsWith(prefix))) return false;
  return /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(name) || /^AzureWebJobsStorage__\w+$/i.test(name);
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps cost 1. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const prev = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row.push(best);
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/** Two slips for long names, one for short ones: close enough to be a typo, far enough to spare real neighbours. */
function tolerance(name: string): number {
  return name.length >= 10 ? 2 : 1;
}

export interface NearMiss {
  /** The variable that was set. */
  readonly given: string;
  /** Our setting it most likely means. */
  readonly meant: string;
}

/** Every set variable that is not one of ours but is within a typo of one (letter case ignored). */
export function findNearMisses(names: Iterable<string>, known: readonly string[]): NearMiss[] {
  const exact = new Set(known);
  const misses: NearMiss[] = [];
  for (const given of names) {
    if (exact.has(given) || !looksLikeOurs(given)) continue;
    let best: { meant: string; distance: number } | undefined;
    for (const meant of known) {
      const distance = editDistance(given.toUpperCase(), meant.toUpperCase());
      if (distance <= tolerance(meant) && (best === undefined || distance < best.distance)) {
        best = { meant, distance };
      }
    }
    if (best !== undefined) misses.push({ given, meant: best.meant });
  }
  return misses;
}
