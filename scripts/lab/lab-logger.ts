import { format } from 'node:util';
import type { HostLogger } from '../local-host/invocation-logger';

/**
 * While the lab tells its story, the host's per-invocation lines (a probe run every few seconds, a
 * reconciliation every few more) would drown it: only failed and skipped invocations, and what the
 * functions log at warning level or above, still show, except the probe's state-change warnings,
 * which the narrative tells in one line each. `--verbose` keeps everything.
 */
export function labLogger(inner: HostLogger, labActive: () => boolean): HostLogger {
  return {
    invocation(record) {
      if (!labActive() || record.outcome !== 'succeeded') inner.invocation(record);
    },
    functionLog(functionName, invocationId, level, args) {
      if (!labActive()) {
        inner.functionLog(functionName, invocationId, level, args);
        return;
      }
      if (level !== 'warning' && level !== 'error' && level !== 'critical') return;
      if (level === 'warning' && format(...args).includes('"probe.stateChange"')) return;
      inner.functionLog(functionName, invocationId, level, args);
    },
    info: (message) => inner.info(message),
    warn: (message) => inner.warn(message),
    error: (message) => inner.error(message),
  };
}
