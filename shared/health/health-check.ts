import { odata } from '@azure/data-tables';
import type { Container } from '../composition-root';
import { isAppError } from '../errors';

export interface DependencyStatus {
  readonly name: string;
  readonly status: 'up' | 'down' | 'skipped';
  readonly latencyMs: number | null;
  /** Why it is down or skipped; our own wording, never an SDK message. */
  readonly reason?: string;
}

export interface HealthReport {
  readonly status: 'healthy' | 'unhealthy';
  readonly version: string;
  readonly features: Record<string, unknown>;
  readonly dependencies: readonly DependencyStatus[];
}

export interface DependencyCheck {
  readonly name: string;
  /** Resolves when the dependency answers; rejects (with an AppError, ideally) when it does not. */
  run(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 5_000;

/** Runs every dependency check at once, each under its own deadline, and reports which failed. */
export async function checkHealth(
  container: Container,
  version: string,
  checks: readonly DependencyCheck[],
): Promise<HealthReport> {
  let features: Record<string, unknown>;
  try {
    const config = container.config;
    features = {
      approval: {
        enabled: config.approval.plsResourceIds.length > 0,
        managedPrivateLinkServices: config.approval.plsResourceIds.length,
        mode: config.approval.mode,
      },
      probe: { schedule: config.probe.schedule },
      auth: { mode: config.auth.mode },
    };
  } catch (error) {
    const reason = isAppError(error) ? error.issues.map((i) => i.path).join(', ') : 'unreadable';
    return {
      status: 'unhealthy',
      version,
      features: {},
      dependencies: [
        { name: 'configuration', status: 'down', latencyMs: null, reason: `invalid settings: ${reason}` },
      ],
    };
  }
  const dependencies = await Promise.all(checks.map(runCheck));
  return {
    status: dependencies.every((d) => d.status !== 'down') ? 'healthy' : 'unhealthy',
    version,
    features,
    dependencies,
  };
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
export function tableStorageCheck(container: Container): DependencyCheck {
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
