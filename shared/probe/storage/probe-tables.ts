/* The probe's logical table names; the container adds the installation's prefix. */
import { monthKey } from '../../storage/table-keys';

export const PROBE_TABLES = {
  rawPrefix: 'ProbeResults',
  latest: 'ProbeLatest',
  rollups: 'ProbeRollups',
  events: 'ProbeEvents',
  runs: 'ProbeRuns',
} as const;

/** Raw results live in one table per month, so retention drops a whole table. */
export function rawTableLogicalName(at: Date): string {
  return `${PROBE_TABLES.rawPrefix}${monthKey(at)}`;
}
