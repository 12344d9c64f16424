import { odata } from '@azure/data-tables';
import { isAppError } from '../errors';
import { type FeatureReports, featureReports, functionsReport } from './feature-report';
import type { HealthPorts } from './health-ports';

export interface DependencyStatus {
  readonly name: string;
  readonly status: 'up' | 'down' | 'skipped';
  readonly latencyMs: number | null;
  /** Why it is down or skipped; our own wording, never an SDK message. */
  readonly reason?: string;
}

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** The reader-detail report: every feature's state and problems, every dependency with its reason. */
export interface HealthReport {
  /**
   * `unhealthy`: a dependency is down or the common settings are invalid (nothing works as it should);
   * `degraded`: a feature is off because its own settings or document are invalid (or works without a
   * part, such as notifications without dashboard buttons), a function's implementation does not
   * load, or reconciliation fails or has stopped; the rest works.
   */
  readonly status: HealthStatus;
  readonly version: string;
  readonly features: Partial<FeatureReports>;
  readonly dependencies: readonly DependencyStatus[];
}

/** What anyone may read: the overall status and each dependency's up/down, nothing about modes or files. */
export interface PublicHealthReport {
  readonly status: HealthStatus;
  readonly dependencies: readonly { readonly name: string; readonly status: DependencyStatus['status'] }[];
}

export function publicHealth(report: HealthReport): PublicHealthReport {
  return {
    status: report.status,
    dependencies: report.dependencies.map((d) => ({ name: d.name, status: d.status })),
  };
}

export interface DependencyCheck {
  readonly name: string;
  /** Resolves when the dependency answers; rejects (with an AppError, ideally) when it does not. */
  run(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 5_000;

/** Runs every dependency check at once, each under its own deadline, and reports which failed. */
export async function checkHealth(
  container: HealthPorts,
  version: string,
  checks: readonly DependencyCheck[],
): Promise<HealthReport> {
  try {
    void container.config;
  } catch (error) {
    const reason = isAppError(error) ? error.issues.map((i) => i.path).join(', ') : 'unreadable';
    const functions = functionsReport();
    return {
      status: 'unhealthy',
      version,
      features: functions === undefined ? {} : { functions },
      dependencies: [
        { name: 'configuration', status: 'down', latencyMs: null, reason: `invalid settings: ${reason}` },
      ],
    };
  }
  const [dependencies, features] = await Promise.all([
    Promise.all(checks.map(runCheck)),
    featureReports(container),
  ]);
  const status: HealthStatus = dependencies.some((d) => d.status === 'down')
    ? 'unhealthy'
    : Object.values(features).some(
          (f) => f.state === 'invalid' || f.problem !== undefined || f.reconciliation?.problem !== undefined,
        )
      ? 'degraded'
      : 'healthy';
  return { status, version, features, dependencies };
}

async function runCheck(check: DependencyCheck): Promise<DependencyStatus> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check.run(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { name: check.name, status: 'up', latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    const reason =
      error instanceof Error && error.message === 'timeout'
        ? `no answer within ${CHECK_TIMEOUT_MS} ms`
        : isAppError(error)
          ? `${error.code}: ${error.message}`
          : 'unreachable';
    return { name: check.name, status: 'down', latencyMs: Math.round(performance.now() - started), reason };
  } finally {
    clearTimeout(timer);
  }
}

/** Table Storage answers when a query against the product's health table returns. */
export function tableStorageCheck(container: HealthPorts): DependencyCheck {
  return {
    name: 'tableStorage',
    async run() {
      const table = await container.table('Health');
      const page = table
        .listEntities({ queryOptions: { filter: odata`PartitionKey eq ${'health'}` } })
        .byPage({ maxPageSize: 1 });
      await page.next();
    },
  };
}
