/*
 * The provider app's approval settings: the policy, the mode, the reconciliation timer and queue,
 * the tenant cache. A bad value of any of them stops approval only (their side is `provider`).
 */
import { queueNameSetting, type SettingSpec } from './setting-spec';

export const APPROVAL_SETTINGS = [
  {
    name: 'APPROVAL_POLICY_PATH',
    description:
      'Path of the approval policy file (YAML or JSON), relative to the app root. Ignored when `APPROVAL_POLICY` is set.',
    default: 'approval-policy.yaml',
    example: 'approval-policy.yaml',
    side: 'provider',
    rule: { type: 'string' },
  },
  {
    name: 'APPROVAL_POLICY',
    description: 'The approval policy inline (YAML or JSON), for deployments that keep it in an app setting.',
    example: 'version: 1\\ndefault: { action: manual }\\nrules: []',
    side: 'provider',
    rule: { type: 'string' },
  },
  {
    name: 'APPROVAL_MODE',
    description:
      '`enforce` writes decisions to ARM; `dry-run` decides and audits but writes nothing to ARM (for people too); `off`: the policy decides nothing, people still can.',
    default: 'enforce',
    example: 'dry-run',
    side: 'provider',
    rule: { type: 'enum', values: ['enforce', 'dry-run', 'off'] },
  },
  {
    name: 'EXPOSURE_MODE',
    description:
      "`report`: each reconciliation run compares every managed PLS's `visibility`, `accessMode` and `autoApproval` with the policy and reports contradictions (health, banner, warned and notified once); `dry-run`: also records the settings the policy implies as a plan (`ExposurePlans`); `enforce` (opt-in): writes a plan dry-run recorded before, guarded and audited (docs/policy.md).",
    default: 'report',
    example: 'dry-run',
    side: 'provider',
    rule: { type: 'enum', values: ['report', 'dry-run', 'enforce'] },
  },
  {
    name: 'RECONCILE_SCHEDULE',
    description: 'NCRONTAB schedule of the reconciliation timer.',
    default: '0 */5 * * * *',
    example: '0 */2 * * * *',
    side: 'provider',
    rule: { type: 'ncrontab' },
  },
  {
    name: 'RECONCILE_CONCURRENCY',
    description: 'How many Private Link Services one reconciliation run works on at once.',
    default: '4',
    example: '8',
    side: 'provider',
    rule: { type: 'int', min: 1, max: 64 },
  },
  queueNameSetting(
    'RECONCILE_QUEUE_NAME',
    'Storage queue of per-PLS reconciliation work: what events ask for, and continuations of runs out of time.',
    'reconcile-requests',
    'provider',
  ),
  {
    name: 'RECONCILE_TIME_BUDGET_SECONDS',
    description:
      'Seconds one reconciliation invocation decides before it queues the rest as a continuation; keep it well under the function timeout.',
    default: '240',
    example: '120',
    side: 'provider',
    rule: { type: 'int', min: 5, max: 3600 },
  },
  {
    name: 'TENANT_CACHE_TTL_HOURS',
    description:
      'How long a discovered subscription-to-tenant mapping is trusted before it is looked up again.',
    default: '24',
    example: '6',
    side: 'provider',
    rule: { type: 'int', min: 1, max: 24 * 30 },
  },
  {
    name: 'APPROVAL_EXPIRY_REMINDER_HOURS',
    description:
      "Hours before an approval ends (a rule's `approveFor`, a person's `until`) that the `connection.expiring` notification goes out and the connection's description says \"access ends on …\".",
    default: '72',
    example: '24',
    side: 'provider',
    rule: { type: 'int', min: 1, max: 24 * 90 },
  },
  {
    name: 'APPROVAL_EXPIRY_GRACE_HOURS',
    description:
      'Hours between the end of an approval (the description then says "access ended …") and the removal of the connection, so the consumer can ask again.',
    default: '24',
    example: '0',
    side: 'provider',
    rule: { type: 'int', min: 0, max: 24 * 90 },
  },
  {
    name: 'TWO_PERSON_APPROVAL_HOURS',
    description:
      'Hours a first approval waits for a second person on a connection that needs two (the two-person rule); after that it lapses and two approvals are needed again.',
    default: '24',
    example: '8',
    side: 'provider',
    rule: { type: 'int', min: 1, max: 24 * 30 },
  },
] as const satisfies readonly SettingSpec[];
