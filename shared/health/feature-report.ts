/*
 * Each feature's state for the reader-detail health report and the dashboard's banners: whether its
 * settings parse, whether its document (policy, targets) loads, and the first problems when not.
 * Loads the documents through the container, so repeated health calls reuse the cached policy.
 */
import type { Container } from '../composition-root';
import type { Config } from '../config/config';
import { isAppError } from '../errors';
import { implementationIssues, implementationProblemMessage } from '../host/load-implementation';
import { type ProblemSummary, summariseProblem } from './problem-summary';
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
  /** Present only when a function's implementation failed to load in this process (the package is broken). */
  readonly functions?: FeatureReport;
}

/** How long health waits for the last reconciliation outcomes (the dependency checks wait as long). */
const RECONCILIATION_READ_TIMEOUT_MS = 5_000;

/** The targets file a consumer app reads when PROBE_TARGETS_PATH is unset: absent on a provider app, and that is fine. */
const DEFAULT_TARGETS_PATH = 'probe-targets.yaml';

function invalidSettings(config: Config, feature: 'approval' | 'api' | 'probe'): FeatureReport | undefined {
  const issues = config.settingIssues[feature];
  if (issues.length === 0) return undefined;
  return {
    state: 'invalid',
    detail: {},
    problem: summariseProblem(
      `${feature === 'api' ? 'API' : feature} settings are invalid: the ${feature === 'api' ? 'API' : feature} feature is off until they are fixed`,
      issues,
    ),
  };
}

async function approvalReport(container: Container): Promise<FeatureReport> {
  const config = container.config;
  const invalid = invalidSettings(config, 'approval');
  if (invalid !== undefined) return invalid;
  const { plsResourceIds, mode, policySource } = config.approval;
  if (plsResourceIds.length === 0)
    return { state: 'not configured', detail: { reason: 'PLS_RESOURCE_IDS is empty' } };
  const detail = { mode, managedPrivateLinkServices: plsResourceIds.length };
  const reconciliation = await reconciliationOrUndefined(container);
  try {
    const policy = await container.approvalPolicy();
    return {
      state: mode === 'off' ? 'off' : 'on',
      detail: { ...detail, policyVersion: policy.version },
      ...(reconciliation === undefined ? {} : { reconciliation }),
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
async function reconciliationOrUndefined(container: Container): Promise<ReconciliationReport | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const read = async () => {
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
  };
  try {
    // A storage that does not answer must not hold health up: its own check reports it.
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

async function probeReport(container: Container): Promise<FeatureReport> {
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
export async function featureReports(container: Container): Promise<FeatureReports> {
  const [approval, probe] = await Promise.all([approvalReport(container), probeReport(container)]);
  const functions = functionsReport();
  return {
    approval,
    api: apiReport(container.config),
    probe,
    ...(functions === undefined ? {} : { functions }),
  };
}

/** Only the probe targets' problem, for the summary route (it answers "why is the board empty?"). */
export async function targetsProblem(container: Container): Promise<ProblemSummary | undefined> {
  return (await probeReport(container)).problem;
}
