/*
 * Each feature's state for the reader-detail health report and the dashboard's banners: whether its
 * settings parse, whether its document (policy, targets) loads, and the first problems when not.
 * Loads the documents through the container, so repeated health calls reuse the cached policy.
 */

import { plsNameOf } from '../arm/resource-id';
import type { Config } from '../config/config';
import { type FieldIssue, isAppError } from '../errors';
import { implementationIssues, implementationProblemMessage } from '../host/load-implementation';
import type { HealthPorts } from './health-ports';
import { FIRST_ISSUES, type ProblemSummary, summariseProblem } from './problem-summary';
import { assessReconciliation, type ReconciliationReport } from './reconciliation-report';

export type FeatureState = 'on' | 'off' | 'not configured' | 'invalid';

export interface FeatureReport {
  readonly state: FeatureState;
  readonly detail: Readonly<Record<string, string | number>>;
  readonly problem?: ProblemSummary;
  /** Approval only: how the last reconciliation runs went, with a problem when they fail or stop. */
  readonly reconciliation?: ReconciliationReport;
}

export interface FeatureReports {
  readonly approval: FeatureReport;
  readonly api: FeatureReport;
  readonly probe: FeatureReport;
  /** Notifications (webhooks), with the dashboard buttons in them. */
  readonly notify: FeatureReport;
  /** Availability results sent to Application Insights by the probe runs. */
  readonly telemetry: FeatureReport;
  /** The entitlement check: present only when ENTITLEMENT_URL is set or its settings are invalid. */
  readonly entitlement?: FeatureReport;
  /** Present only when a function's implementation failed to load in this process (the package is broken). */
  readonly functions?: FeatureReport;
}

/** How long health waits for the last reconciliation outcomes (the dependency checks wait as long). */
const RECONCILIATION_READ_TIMEOUT_MS = 5_000;

/** The targets file a consumer app reads when PROBE_TARGETS_PATH is unset: absent on a provider app, and that is fine. */
const DEFAULT_TARGETS_PATH = 'probe-targets.yaml';

/** What each feature is called in problems, and what stops while its settings are invalid. */
const SETTINGS_PROBLEM: Record<
  'approval' | 'api' | 'probe' | 'notify' | 'telemetry' | 'entitlement',
  string
> = {
  approval: 'approval settings are invalid: the approval feature is off until they are fixed',
  api: 'API settings are invalid: the API feature is off until they are fixed',
  probe: 'probe settings are invalid: the probe feature is off until they are fixed',
  notify:
    'notification settings are invalid: no notification is staged or sent until they are fixed (approval and probes keep working)',
  telemetry:
    'availability telemetry settings are invalid: no availability result is sent until they are fixed (probes keep running)',
  entitlement:
    'entitlement check settings are invalid: connections that `action: entitlement` rules decide wait for a person until they are fixed (approval keeps running)',
};

function invalidSettings(config: Config, feature: keyof typeof SETTINGS_PROBLEM): FeatureReport | undefined {
  const issues = config.settingIssues[feature];
  if (issues.length === 0) return undefined;
  return { state: 'invalid', detail: {}, problem: summariseProblem(SETTINGS_PROBLEM[feature], issues) };
}

/**
 * Notifications: off without NOTIFY_WEBHOOKS, invalid with a bad setting or webhook list. A bad
 * DASHBOARD_URL is a problem of its own that leaves them on: only the dashboard buttons are missing.
 */
async function notifyReport(container: HealthPorts): Promise<FeatureReport> {
  const config = container.config;
  const linkIssues = config.settingIssues.dashboardLinks;
  const linkProblem =
    linkIssues.length === 0
      ? {}
      : {
          problem: summariseProblem(
            'DASHBOARD_URL is invalid: notifications are sent without their dashboard buttons until it is fixed',
            linkIssues,
          ),
        };
  const invalid = invalidSettings(config, 'notify');
  if (invalid !== undefined) return invalid;
  const { webhooksSource, dashboardUrl } = config.notify;
  if (webhooksSource === null)
    return { state: 'not configured', detail: { reason: 'NOTIFY_WEBHOOKS is unset' }, ...linkProblem };
  try {
    const { loadWebhooks } = await import('../notify/wiring');
    const webhooks = await loadWebhooks(container);
    return {
      state: 'on',
      detail: { webhooks: webhooks.length, dashboardButtons: dashboardUrl === undefined ? 'off' : 'on' },
      ...linkProblem,
    };
  } catch (error) {
    return {
      state: 'invalid',
      detail: {},
      problem: summariseProblem(
        'the notification webhooks are invalid: no notification is staged or sent until they are fixed (approval and probes keep working)',
        isAppError(error) ? error.issues : [],
      ),
    };
  }
}

/**
 * Availability results: off without APPLICATIONINSIGHTS_CONNECTION_STRING, invalid with a bad
 * setting, on with a problem while this process's last send did not reach ingestion.
 */
async function telemetryReport(config: Config): Promise<FeatureReport> {
  const invalid = invalidSettings(config, 'telemetry');
  if (invalid !== undefined) return invalid;
  const { connectionString, authenticationString, runLocation } = config.telemetry;
  if (connectionString === undefined)
    return { state: 'not configured', detail: { reason: 'APPLICATIONINSIGHTS_CONNECTION_STRING is unset' } };
  try {
    const { parseAuthenticationString } = await import('../telemetry/core/authentication-string');
    parseAuthenticationString(authenticationString);
    const { lastExportOutcome } = await import('../telemetry/core/export-outcome');
    const outcome = lastExportOutcome();
    if (outcome === undefined || outcome.ok)
      return { state: 'on', detail: { runLocation, ...(outcome === undefined ? {} : { lastExport: 'ok' }) } };
    return {
      state: 'on',
      detail: { runLocation, lastExport: 'failed', lastExportAt: outcome.at },
      problem: summariseProblem(
        `availability results are not arriving in Application Insights: ${outcome.reason} (probes keep running; shown until a send succeeds)`,
        [],
      ),
    };
  } catch (error) {
    return {
      state: 'invalid',
      detail: { runLocation },
      problem: summariseProblem(SETTINGS_PROBLEM.telemetry, isAppError(error) ? error.issues : []),
    };
  }
}

/** The entitlement check: reported when configured (where it asks) or when its settings are invalid. */
function entitlementReport(config: Config): FeatureReport | undefined {
  const invalid = invalidSettings(config, 'entitlement');
  if (invalid !== undefined) return invalid;
  const settings = config.entitlement;
  // The origin only: a path or query may carry something the provider considers private.
  return settings === null
    ? undefined
    : { state: 'on', detail: { endpoint: settings.url.origin, timeoutSeconds: settings.timeoutSeconds } };
}

async function approvalReport(container: HealthPorts): Promise<FeatureReport> {
  const config = container.config;
  const invalid = invalidSettings(config, 'approval');
  if (invalid !== undefined) return invalid;
  const { plsResourceIds, mode, policySource } = config.approval;
  const discoveryIssues = config.settingIssues.discovery;
  const discoveryConfigured = discoveryIssues.length === 0 && config.discovery !== null;
  if (plsResourceIds.length === 0 && !discoveryConfigured)
    return {
      state: 'not configured',
      detail: {
        reason: 'PLS_RESOURCE_IDS is empty',
        ...(discoveryIssues.length > 0 ? { discovery: 'invalid' } : {}),
      },
      ...problemOf(discoveryProblemOf(discoveryIssues)),
    };
  const codeIssues = config.settingIssues.onboardingCodes;
  const services =
    (await withinReadTimeout(() => servicesDetail(container, discoveryIssues.length > 0))) ?? {};
  const detail = {
    mode,
    ...services,
    managedPrivateLinkServices: plsResourceIds.length + Number(services.discoveredServices ?? 0),
    onboardingCodes:
      codeIssues.length > 0 ? 'invalid' : config.onboardingCodes.currentKey === undefined ? 'off' : 'on',
  };
  // Like a bad DASHBOARD_URL for notifications: a bad key is a problem of its own that leaves approval on.
  const codeProblem =
    codeIssues.length === 0
      ? undefined
      : summariseProblem(
          'the onboarding code keys are invalid: rules asking for a code match nothing until they are fixed (other rules keep deciding)',
          codeIssues,
        );
  const [reconciliation, exposure, watch] = await Promise.all([
    reconciliationOrUndefined(container),
    withinReadTimeout(() => exposureProblem(container, plsResourceIds)),
    withinReadTimeout(() => watchDetail(container)),
  ]);
  try {
    const policy = await container.approvalPolicy();
    return {
      state: mode === 'off' ? 'off' : 'on',
      detail: {
        ...detail,
        policyVersion: policy.version,
        ...(exposure === undefined ? {} : { exposureContradictions: exposure.issueCount }),
        ...watch,
      },
      ...(reconciliation === undefined ? {} : { reconciliation }),
      ...problemOf(
        codeProblem,
        exposure === undefined || exposure.issueCount === 0 ? undefined : exposure,
        discoveryProblemOf(discoveryIssues),
      ),
    };
  } catch (error) {
    const issues = isAppError(error) ? error.issues : [];
    const missing = policySource.kind === 'file' && issues.some((i) => i.message === 'file not found');
    const message = missing
      ? `policy missing: ${policySource.path} was not found, so no connection is decided by policy (start from approval-policy.sample.yaml)`
      : 'the approval policy is invalid, so no connection is decided by policy until it is fixed';
    return {
      state: 'invalid',
      detail: { ...detail, policy: missing ? 'missing' : 'invalid' },
      problem: summariseProblem(message, issues),
      ...(reconciliation === undefined ? {} : { reconciliation: withoutPolicyEcho(reconciliation) }),
    };
  }
}

/**
 * The last reconciliation runs; undefined when they cannot be read (Table Storage down shows as
 * its own dependency, and a report of "no problem" would be a guess).
 */
async function reconciliationOrUndefined(container: HealthPorts): Promise<ReconciliationReport | undefined> {
  return withinReadTimeout(async () => {
    const [services, { scheduleIntervalMs }] = await Promise.all([
      container.approvalServices(),
      import('../probe/core/probe-schedule'),
    ]);
    const latest = await services.runOutcomes.latest();
    const now = container.clock.now();
    return assessReconciliation(
      latest,
      now,
      scheduleIntervalMs(container.config.approval.reconcileSchedule, now),
    );
  });
}

/** Approval's problems while it runs (bad code keys or discovery settings, exposure contradictions), as one: all are shown. */
function problemOf(...problems: (ProblemSummary | undefined)[]): { problem?: ProblemSummary } {
  const present = problems.filter((p): p is ProblemSummary => p !== undefined);
  const [first, ...rest] = present;
  if (first === undefined) return {};
  return {
    problem: rest.reduce(
      (all, next) => ({
        message: `${all.message}; and ${next.message}`,
        issues: [...all.issues, ...next.issues].slice(0, FIRST_ISSUES),
        issueCount: all.issueCount + next.issueCount,
      }),
      first,
    ),
  };
}

/** Invalid discovery settings: a problem of its own; PLS_RESOURCE_IDS keeps being managed. */
function discoveryProblemOf(issues: readonly FieldIssue[]): ProblemSummary | undefined {
  return issues.length === 0
    ? undefined
    : summariseProblem(
        'the service discovery settings are invalid: only PLS_RESOURCE_IDS is managed until they are fixed',
        issues,
      );
}

/**
 * How many services are managed and from where: static (PLS_RESOURCE_IDS), discovered (the last
 * Resource Graph discovery that worked, as recorded by whichever instance ran it), and when
 * discovery last ran, worked, or failed.
 */
async function servicesDetail(
  container: HealthPorts,
  discoveryInvalid: boolean,
): Promise<Record<string, string | number>> {
  const staticCount = container.config.approval.plsResourceIds.length;
  if (discoveryInvalid) return { staticServices: staticCount, discovery: 'invalid' };
  if (container.config.discovery === null) return { staticServices: staticCount, discovery: 'off' };
  const services = await container.approvalServices();
  const status = await services.managedServices.lastStatus();
  return {
    staticServices: staticCount,
    discovery: 'on',
    discoveredServices: status?.discovered ?? 0,
    ...(status === undefined
      ? { lastDiscoveryAt: 'never' }
      : {
          lastDiscoveryAt: status.at.toISOString(),
          ...(status.lastOkAt === undefined ? {} : { lastDiscoveryOkAt: status.lastOkAt.toISOString() }),
          ...(status.errorCode === undefined ? {} : { lastDiscoveryError: status.errorCode }),
        }),
  };
}

/**
 * The "what is new" pass (WATCH_MODE): its last pass as whichever instance ran it recorded it, the
 * period it derived, and the reads per minute it measured (shared/approval/storage/watch-state-store.ts).
 */
async function watchDetail(container: HealthPorts): Promise<Record<string, string | number>> {
  const { mode } = container.config.approval.watch;
  if (mode === 'off') return { watchMode: mode };
  const [{ WatchStateStore }, { APPROVAL_TABLES }] = await Promise.all([
    import('../approval/storage/watch-state-store'),
    import('../approval/storage/approval-tables'),
  ]);
  const last = await new WatchStateStore(() => container.table(APPROVAL_TABLES.reconcileRuns)).get();
  if (last === undefined) return { watchMode: mode, watchLastPassAt: 'never' };
  return {
    watchMode: mode,
    watchSource: last.source,
    watchLastPassAt: last.at.toISOString(),
    watchPeriodSeconds: last.periodMs / 1000,
    watchNextPassDueAt: last.nextDueAt.toISOString(),
    watchReadsLastPass: last.reads,
    ...(last.readsPerMinute === undefined ? {} : { watchReadsPerMinute: last.readsPerMinute }),
    watchHandedLastPass: last.handed,
    ...(last.lastOkAt === undefined ? {} : { watchLastPassOkAt: last.lastOkAt.toISOString() }),
    ...(last.errorCode === undefined ? {} : { watchLastPassError: last.errorCode }),
  };
}

/**
 * The contradictions between each managed PLS's exposure settings and the policy, as the last
 * reconciliation runs found them (shared/approval/core/exposure-audit.ts), each with its fix.
 */
async function exposureProblem(
  container: HealthPorts,
  plsResourceIds: readonly string[],
): Promise<ProblemSummary> {
  const services = await container.approvalServices();
  const managed = new Set(plsResourceIds.map((id) => id.toLowerCase()));
  const issues: FieldIssue[] = [];
  let affected = 0;
  for (const stored of await services.exposure.list()) {
    if (!managed.has(stored.audit.plsId.toLowerCase()) || stored.audit.findings.length === 0) continue;
    affected += 1;
    for (const finding of stored.audit.findings)
      issues.push({
        path: `${plsNameOf(stored.audit.plsId)}.${finding.setting}`,
        message: `${finding.problem}; fix: ${finding.fix}`,
      });
  }
  return summariseProblem(
    `${affected} managed Private Link Service(s) expose more than the approval policy trusts (checked every reconciliation run): change the settings below`,
    issues,
  );
}

/** A read that must not hold health up: undefined after the timeout or on failure (its own check reports storage). */
async function withinReadTimeout<T>(read: () => Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      read(),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), RECONCILIATION_READ_TIMEOUT_MS);
      }),
    ]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/** With the policy itself reported invalid, a run that failed on it says nothing new: one banner line, not two. */
function withoutPolicyEcho(report: ReconciliationReport): ReconciliationReport {
  if (report.lastTimerRun?.result !== 'policy_invalid' || report.problem === undefined) return report;
  const { problem: _echo, ...rest } = report;
  return rest;
}

function apiReport(config: Config): FeatureReport {
  return invalidSettings(config, 'api') ?? { state: 'on', detail: { authMode: config.auth.mode } };
}

async function probeReport(container: HealthPorts): Promise<FeatureReport> {
  const config = container.config;
  const invalid = invalidSettings(config, 'probe');
  if (invalid !== undefined) return invalid;
  const { targetsSource, schedule } = config.probe;
  try {
    const { loadProbeTargets } = await import('../probe/adapters/targets');
    const targets = (await loadProbeTargets(targetsSource, container.appRoot)).value;
    return { state: 'on', detail: { schedule, targets: targets.length } };
  } catch (error) {
    const issues = isAppError(error) ? error.issues : [];
    const missing = targetsSource.kind === 'file' && issues.some((i) => i.message === 'file not found');
    if (missing && targetsSource.path === DEFAULT_TARGETS_PATH)
      return { state: 'not configured', detail: { reason: `${DEFAULT_TARGETS_PATH} does not exist` } };
    return {
      state: 'invalid',
      detail: { schedule },
      problem: summariseProblem(
        'the probe targets are invalid, so nothing is probed until they are fixed',
        issues,
      ),
    };
  }
}

/**
 * Functions whose implementation did not load in this process (shared/host/load-implementation.ts):
 * each named with its file and the loader's error. Undefined while every load succeeded.
 */
export function functionsReport(): FeatureReport | undefined {
  const issues = implementationIssues();
  if (issues.length === 0) return undefined;
  return {
    state: 'invalid',
    detail: { failed: issues.length },
    problem: summariseProblem(implementationProblemMessage(issues.length), issues),
  };
}

/** Never throws: a feature that cannot be read is reported as invalid. */
export async function featureReports(container: HealthPorts): Promise<FeatureReports> {
  const [approval, probe, notify, telemetry] = await Promise.all([
    approvalReport(container),
    probeReport(container),
    notifyReport(container),
    telemetryReport(container.config),
  ]);
  const functions = functionsReport();
  const entitlement = entitlementReport(container.config);
  return {
    approval,
    api: apiReport(container.config),
    probe,
    notify,
    telemetry,
    ...(entitlement === undefined ? {} : { entitlement }),
    ...(functions === undefined ? {} : { functions }),
  };
}

/** Only the probe targets' problem, for the summary route (it answers "why is the board empty?"). */
export async function targetsProblem(container: HealthPorts): Promise<ProblemSummary | undefined> {
  return (await probeReport(container)).problem;
}
