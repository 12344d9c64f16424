/*
 * The exposure audit: a managed Private Link Service's own settings (who may see it, who may
 * connect, whom ARM approves without asking) compared with the approval policy. The policy decides
 * connections after they exist; `visibility`, `accessMode` and `autoApproval` act before the product
 * sees anything, so a setting wider than the policy lets strangers request (and be rejected only
 * afterwards) and an `autoApproval` entry lets a subscription skip the rules altogether. Pure: the
 * run reads the PLS and the tenants, this says what contradicts what and how to fix it.
 *
 * Sources for the settings: Private Link service overview, "Control service exposure" (visibility:
 * RBAC only, a set of subscriptions, or anyone with the alias `*`; auto-approval is a subset of
 * visibility and approves at creation) and the 2025-01-01 network spec's `accessMode` (`Restricted`
 * limits access to the subscriptions in the visibility list only).
 */
import { plsNameOf } from '../../arm/resource-id';
import { evaluateConnectionPolicy } from './policy/evaluate-policy';
import type { CompiledRule, Policy } from './policy/policy';

/** The PLS settings the audit reads (from the PLS GET each reconciliation run makes). */
export interface ExposureSettings {
  readonly plsId: string;
  readonly visibilitySubscriptions: readonly string[];
  readonly autoApprovalSubscriptions: readonly string[];
  readonly accessMode: string | undefined;
  readonly enableProxyProtocol: boolean;
}

/** Whom the policy can ever approve on this PLS: a closed set of consumers, or anyone. */
export type PolicyTrust =
  | {
      readonly kind: 'closed';
      /** Lower-cased subscription ids named by the approve (and manual) rules. */
      readonly subscriptions: readonly string[];
      /** Tenants trusted as a whole: their subscriptions are not known to the policy. */
      readonly tenants: readonly string[];
    }
  | { readonly kind: 'open'; readonly why: string };

export type ExposureSetting = 'visibility' | 'accessMode' | 'autoApproval';

export interface ExposureFinding {
  /** Stable per contradiction (`visibility`, `accessMode`, `autoApproval:{subscription}`): notified once. */
  readonly key: string;
  readonly setting: ExposureSetting;
  /** What contradicts what, in one sentence. */
  readonly problem: string;
  /** The exact change: the setting, the az CLI command and the Bicep property. */
  readonly fix: string;
  /** The setting's value now, as people read it (`['*']`, `Default`, `on`): with the key it names one announcement. */
  readonly current: string;
  /** What the policy implies for the setting, in words. */
  readonly expected: string;
}

/**
 * What is announced once: the PLS's contradiction with the value it has (a different wrong value
 * is news again; the same one, seen every run, is not).
 */
export function announcementKey(finding: Pick<ExposureFinding, 'key' | 'current'>): string {
  return `${finding.key}=${finding.current}`;
}

/** One exposure announcement: a contradiction first seen (or back after a fix), or one that was fixed. */
export interface ExposureChange {
  readonly kind: 'contradiction' | 'resolved';
  readonly plsId: string;
  readonly finding: ExposureFinding;
  /** The run that saw the change: with the PLS and the announcement key it names the event. */
  readonly at: Date;
}

/**
 * What to announce after a run: each finding whose announcement is not in the stored list, and
 * each announced one no longer found (fixed, or now a different value, which is announced anew).
 */
export function exposureChanges(
  plsId: string,
  findings: readonly ExposureFinding[],
  before: readonly ExposureFinding[],
  announcedBefore: ReadonlySet<string>,
  at: Date,
): ExposureChange[] {
  const now = new Set(findings.map(announcementKey));
  return [
    ...findings
      .filter((f) => !announcedBefore.has(announcementKey(f)))
      .map((finding) => ({ kind: 'contradiction' as const, plsId, finding, at })),
    ...before
      .filter((f) => announcedBefore.has(announcementKey(f)) && !now.has(announcementKey(f)))
      .map((finding) => ({ kind: 'resolved' as const, plsId, finding, at })),
  ];
}

function quoted(values: readonly string[]): string {
  return `[${values.map((s) => `'${s}'`).join(', ')}]`;
}

export interface ExposureAudit {
  readonly plsId: string;
  readonly trust: PolicyTrust['kind'];
  readonly visibility: readonly string[];
  readonly accessMode: string;
  readonly autoApproval: readonly string[];
  readonly enableProxyProtocol: boolean;
  readonly findings: readonly ExposureFinding[];
}

/** The value ARM means when it leaves `accessMode` out (the enum's first value, and the behaviour before 2025-01-01). */
export const DEFAULT_ACCESS_MODE = 'Default';

function appliesTo(rule: CompiledRule, plsId: string): boolean {
  const target = rule.match.privateLinkService;
  if (target === undefined) return true;
  return target.ids.has(plsId.toLowerCase()) || target.names.some((n) => n.test(plsNameOf(plsId)));
}

/**
 * Closed when the default never leaves a stranger to a person and every rule that approves (or
 * hands to a person) on this PLS names its consumers by subscription or tenant. `not:` blocks only
 * narrow a rule, so they are ignored here: the set is the widest the policy could approve.
 */
export function policyTrust(policy: Policy, plsId: string): PolicyTrust {
  if (policy.default.action === 'manual')
    return { kind: 'open', why: 'the default leaves any consumer to a person' };
  const subscriptions = new Set<string>();
  const tenants = new Set<string>();
  for (const rule of policy.rules) {
    if (rule.action === 'reject' || !appliesTo(rule, plsId)) continue;
    const { consumerSubscriptions, consumerTenants } = rule.match;
    if (consumerSubscriptions === undefined && consumerTenants === undefined)
      return { kind: 'open', why: `rule ${rule.name} (${rule.action}) names no subscription or tenant` };
    if (consumerSubscriptions !== undefined) for (const s of consumerSubscriptions) subscriptions.add(s);
    else if (consumerTenants !== undefined) for (const t of consumerTenants) tenants.add(t);
  }
  return { kind: 'closed', subscriptions: [...subscriptions].sort(), tenants: [...tenants].sort() };
}

function cli(plsId: string, args: string): string {
  return `az resource update --ids ${plsId} --set ${args}`;
}

/** The visibility list the policy implies, when it can be written as subscriptions. */
export function visibilityFromPolicy(trust: PolicyTrust): readonly string[] | undefined {
  return trust.kind === 'closed' && trust.tenants.length === 0 ? trust.subscriptions : undefined;
}

function visibilityFinding(settings: ExposureSettings, trust: PolicyTrust): ExposureFinding | undefined {
  if (trust.kind !== 'closed') return undefined;
  const visibility = settings.visibilitySubscriptions.map((s) => s.toLowerCase());
  const wanted = visibilityFromPolicy(trust);
  const listed = wanted === undefined ? '[…]' : `[${wanted.map((s) => `'${s}'`).join(', ')}]`;
  const fix =
    wanted === undefined
      ? `list the subscriptions of tenant(s) ${trust.tenants.join(', ')} (and ${trust.subscriptions.length} named subscription(s)) in visibility instead of '*': Bicep properties.visibility.subscriptions, or ${cli(settings.plsId, 'properties.visibility.subscriptions="[…]"')}`
      : `set visibility to the policy's subscriptions: Bicep properties.visibility.subscriptions: ${listed}, or ${cli(settings.plsId, `properties.visibility.subscriptions="${listed}"`)}`;
  const current = quoted(visibility);
  const expected =
    wanted === undefined
      ? `the subscriptions of tenant(s) ${trust.tenants.join(', ')} and the ${trust.subscriptions.length} named subscription(s)`
      : quoted(wanted);
  if (visibility.includes('*'))
    return {
      key: 'visibility',
      setting: 'visibility',
      current,
      expected,
      problem: `visibility is '*' (anyone with the alias may request a connection) while the policy approves only a closed set of consumers`,
      fix,
    };
  if (wanted === undefined) return undefined;
  const extra = visibility.filter((s) => !wanted.includes(s));
  if (extra.length === 0) return undefined;
  return {
    key: 'visibility',
    setting: 'visibility',
    problem: `visibility lists ${extra.length} subscription(s) no policy rule approves (${extra.join(', ')})`,
    fix,
    current,
    expected,
  };
}

function accessModeFinding(settings: ExposureSettings, trust: PolicyTrust): ExposureFinding | undefined {
  if (trust.kind !== 'closed') return undefined;
  const mode = settings.accessMode ?? DEFAULT_ACCESS_MODE;
  if (mode === 'Restricted') return undefined;
  return {
    key: 'accessMode',
    setting: 'accessMode',
    current: mode,
    expected: 'Restricted',
    problem: `accessMode is ${mode} (not Restricted) while the policy approves only a closed set of consumers`,
    fix: `set accessMode to Restricted (network API 2025-01-01 or later): Bicep properties.accessMode: 'Restricted', or ${cli(settings.plsId, 'properties.accessMode=Restricted')}`,
  };
}

/**
 * Each `autoApproval` subscription as the policy would see a connection from it, knowing only the
 * subscription, its tenant and the PLS (ARM approves at creation, before any message or name is
 * looked at): a verdict other than approve, or an approve rule with a quota, is a rule the list
 * skips.
 */
function autoApprovalFindings(
  settings: ExposureSettings,
  policy: Policy,
  tenantOf: (subscriptionId: string) => string | undefined,
  now: Date,
): ExposureFinding[] {
  const findings: ExposureFinding[] = [];
  const remaining = settings.autoApprovalSubscriptions.map((s) => s.toLowerCase());
  for (const subscription of remaining) {
    const verdict = evaluateConnectionPolicy(
      policy,
      {
        plsId: settings.plsId,
        plsName: plsNameOf(settings.plsId),
        connectionName: '',
        status: 'Pending',
        privateEndpointName: undefined,
        privateEndpointResourceGroup: undefined,
        privateEndpointLocation: undefined,
        consumerSubscriptionId: subscription,
        consumerTenantId: tenantOf(subscription),
        requestMessage: undefined,
      },
      { bySubscription: () => 0, byTenant: () => 0 },
      { now },
    );
    const quotaRule =
      verdict.action === 'approve' && verdict.rule !== undefined
        ? policy.rules.find((r) => r.name === verdict.rule && r.match.quota !== undefined)
        : undefined;
    if (verdict.action === 'approve' && quotaRule === undefined) continue;
    const skipped = verdict.skipped.map((s) => `${s.rule} needs ${s.failed}`).join('; ');
    const problem =
      quotaRule !== undefined
        ? `subscription ${subscription} is on autoApproval, which approves without rule ${quotaRule.name}'s quota`
        : `subscription ${subscription} is on autoApproval, so ARM approves it at creation, but the policy would ${verdict.action === 'reject' ? 'reject it' : 'leave it to a person'} (${verdict.reason}${skipped === '' ? '' : `; ${skipped}`})`;
    const kept = remaining.filter((s) => s !== subscription);
    findings.push({
      key: `autoApproval:${subscription}`,
      setting: 'autoApproval',
      current: `${subscription} listed`,
      expected: `${subscription} not listed (decided by the policy)`,
      problem,
      fix: `remove ${subscription} from autoApproval (the product then decides its connections by the policy): Bicep properties.autoApproval.subscriptions without it, or ${cli(settings.plsId, `properties.autoApproval.subscriptions="[${kept.map((s) => `'${s}'`).join(', ')}]"`)}`,
    });
  }
  return findings;
}

export function auditExposure(
  settings: ExposureSettings,
  policy: Policy,
  tenantOf: (subscriptionId: string) => string | undefined,
  now: Date,
): ExposureAudit {
  const trust = policyTrust(policy, settings.plsId);
  const findings = [
    visibilityFinding(settings, trust),
    accessModeFinding(settings, trust),
    ...autoApprovalFindings(settings, policy, tenantOf, now),
  ].filter((f): f is ExposureFinding => f !== undefined);
  return {
    plsId: settings.plsId,
    trust: trust.kind,
    visibility: settings.visibilitySubscriptions,
    accessMode: settings.accessMode ?? DEFAULT_ACCESS_MODE,
    autoApproval: settings.autoApprovalSubscriptions,
    enableProxyProtocol: settings.enableProxyProtocol,
    findings,
  };
}

/** The settings the policy implies for a PLS, against what it has: what EXPOSURE_MODE=dry-run records. */
export interface ExposurePlan {
  /** Stable per plan (same changes, same key): each distinct plan is recorded once. */
  readonly key: string;
  readonly plsId: string;
  readonly visibility: { readonly from: readonly string[]; readonly to: readonly string[] } | undefined;
  readonly accessMode: { readonly from: string; readonly to: 'Restricted' } | undefined;
  /** Subscriptions kept in visibility although no rule names them: approved connections, autoApproval. */
  readonly kept: readonly string[];
}

/**
 * The plan for one PLS under a closed policy: visibility = the policy's subscriptions plus every
 * subscription with an Approved connection or on autoApproval (no connected consumer is cut off, and
 * autoApproval stays a subset of visibility), accessMode = Restricted. Undefined when the policy is
 * open or nothing would change. A tenant-wide rule leaves visibility alone (its subscriptions are
 * unknown) and plans accessMode only.
 */
export function planExposure(
  audit: ExposureAudit,
  policy: Policy,
  approvedSubscriptions: readonly string[],
): ExposurePlan | undefined {
  const trust = policyTrust(policy, audit.plsId);
  if (trust.kind !== 'closed') return undefined;
  const fromPolicy = visibilityFromPolicy(trust);
  const current = audit.visibility.map((s) => s.toLowerCase());
  const kept = [...new Set([...approvedSubscriptions, ...audit.autoApproval].map((s) => s.toLowerCase()))]
    .filter((s) => fromPolicy === undefined || !fromPolicy.includes(s))
    .sort();
  const to = fromPolicy === undefined ? undefined : [...new Set([...fromPolicy, ...kept])].sort();
  const visibility =
    to === undefined || (current.length === to.length && [...current].sort().every((s, i) => s === to[i]))
      ? undefined
      : { from: audit.visibility, to };
  const accessMode =
    audit.accessMode === 'Restricted' ? undefined : { from: audit.accessMode, to: 'Restricted' as const };
  if (visibility === undefined && accessMode === undefined) return undefined;
  const key = JSON.stringify([visibility?.to ?? null, accessMode?.to ?? null]);
  return { key, plsId: audit.plsId, visibility, accessMode, kept };
}
