/*
 * The consumer app's probe settings: targets, schedules, fan-out, queue mode, retention, and the
 * run location of availability results. A bad value stops probing (or, for the run location, only
 * the availability results).
 */
import { queueNameSetting, type SettingSpec } from './setting-spec';

export const PROBE_SETTINGS = [
  {
    name: 'PROBE_TARGETS_PATH',
    description: 'Path of the probe targets file (YAML or JSON). Ignored when `PROBE_TARGETS` is set.',
    default: 'probe-targets.yaml',
    example: 'probe-targets.yaml',
    side: 'consumer',
    rule: { type: 'string' },
  },
  {
    name: 'PROBE_TARGETS',
    description: 'Probe targets inline (YAML or JSON).',
    example: '[{"id":"iis","url":"http://10.0.0.5/"}]',
    side: 'consumer',
    rule: { type: 'string' },
    // Targets may carry request headers such as Authorization.
    secret: true,
  },
  {
    name: 'PROBE_SCHEDULE',
    description: 'NCRONTAB schedule of the probe timer.',
    default: '0 * * * * *',
    example: '*/30 * * * * *',
    side: 'consumer',
    rule: { type: 'ncrontab' },
  },
  {
    name: 'PROBE_CONCURRENCY',
    description: 'How many targets one probe run probes at once.',
    default: '32',
    example: '64',
    side: 'consumer',
    rule: { type: 'int', min: 1, max: 1024 },
  },
  {
    name: 'PROBE_QUEUE_THRESHOLD',
    description:
      'Above this many targets the timer enqueues one message per target and a queue-triggered function probes.',
    default: '50',
    example: '200',
    side: 'consumer',
    rule: { type: 'int', min: 1, max: 100_000 },
  },
  queueNameSetting('PROBE_QUEUE_NAME', 'Storage queue used in queue mode.', 'probe-requests', 'consumer'),
  {
    name: 'PROBE_RETENTION_DAYS',
    description: 'Raw probe results older than this are dropped by the cleanup timer (rollups are kept).',
    default: '90',
    example: '30',
    side: 'consumer',
    rule: { type: 'int', min: 1, max: 3650 },
  },
  {
    name: 'PROBE_CLEANUP_SCHEDULE',
    description: 'NCRONTAB schedule of the retention cleanup timer.',
    default: '0 30 3 * * *',
    example: '0 0 4 * * *',
    side: 'consumer',
    rule: { type: 'ncrontab' },
  },
  {
    name: 'PROBE_RUN_LOCATION',
    description:
      'Run location of the availability results sent to Application Insights (where the probe runs); defaults to `REGION_NAME`, else `local`.',
    example: 'westeurope',
    side: 'consumer',
    rule: {
      type: 'string',
      pattern: /^[\w .()-]{1,64}$/,
      expected: 'expected 1-64 letters, digits, spaces or .()-_',
    },
    // Used only by the availability results: a bad one stops those, not the probes.
    feature: 'telemetry',
  },
] as const satisfies readonly SettingSpec[];
