/*
 * The "what is new" pass (functions/watchNewConnections.ts, docs/approval.md "Finding new connections
 * in seconds"): a short tick, and how much of the read allowance it may spend, from which each pass
 * derives its own period. A bad value stops approval, as the reconciliation settings do: the pass is
 * part of the decision path's timing.
 */
import type { SettingSpec } from './setting-spec';

export const WATCH_SETTINGS = [
  {
    name: 'WATCH_SCHEDULE',
    description:
      'NCRONTAB tick of the "what is new" pass (seconds field included). A tick returns at once unless the pass is due: its period is derived from the reads the last pass cost and `WATCH_READ_SHARE`/`WATCH_GRAPH_SHARE`, never shorter than the tick.',
    default: '*/10 * * * * *',
    example: '*/5 * * * * *',
    side: 'provider',
    rule: { type: 'ncrontab' },
  },
  {
    name: 'WATCH_MODE',
    description:
      'How the pass finds new connections: `auto` (ARM lists while discovery is off or at most `WATCH_ARM_MAX_SERVICES` services are managed, Resource Graph above), `arm` (one Private Link Service list per subscription), `graph` (one Resource Graph query for Pending connections), `off` (only the reconciliation timer and events).',
    default: 'auto',
    example: 'arm',
    side: 'provider',
    rule: { type: 'enum', values: ['auto', 'arm', 'graph', 'off'] },
  },
  {
    name: 'WATCH_READ_SHARE',
    description:
      "Percent of each subscription's ARM read allowance (the lower of ARM's 25 reads/s refill and Microsoft.Network's 10,000 reads per 5 minutes) the pass may spend; the rest stays for reconciliation, decisions, health and people.",
    default: '10',
    example: '5',
    side: 'provider',
    rule: { type: 'int', min: 1, max: 100 },
  },
  {
    name: 'WATCH_GRAPH_SHARE',
    description:
      "Percent of Resource Graph's per-user quota (15 queries per 5 s) the pass may spend in `graph` mode; discovery and people's own queries share the rest.",
    default: '20',
    example: '10',
    side: 'provider',
    rule: { type: 'int', min: 1, max: 100 },
  },
  {
    name: 'WATCH_ARM_MAX_SERVICES',
    description:
      'In `auto` mode with discovery on: up to this many managed services the pass lists them from ARM (fresh, one list per subscription); above, it asks Resource Graph (one query, eventually consistent).',
    default: '500',
    example: '100',
    side: 'provider',
    rule: { type: 'int', min: 1, max: 1_000_000 },
  },
] as const satisfies readonly SettingSpec[];
