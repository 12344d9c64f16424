import { format } from 'node:util';
import type { LogHandler, LogLevel } from '@azure/functions';

export type TriggerKind = 'http' | 'timer' | 'eventGrid' | 'storageQueue' | 'manual';

export interface InvocationRecord {
  readonly functionName: string;
  readonly invocationId: string;
  readonly trigger: TriggerKind;
  /** What fired it, in a few words: `GET /api/health`, `schedule 0 * * * * *`, `event 1234`, `message abc`. */
  readonly detail: string;
  readonly durationMs: number;
  readonly outcome: 'succeeded' | 'failed' | 'skipped';
  /** HTTP status, or the reason of a failure or a skip. */
  readonly result?: string;
}

/** Where the local host reports: one line per invocation, plus what the functions log through their context. */
export interface HostLogger {
  invocation(record: InvocationRecord): void;
  functionLog(functionName: string, invocationId: string, level: LogLevel, args: readonly unknown[]): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface ConsoleLoggerOptions {
  /** Suppresses invocation lines and informational logs; warnings and errors still go to stderr. */
  readonly quiet: boolean;
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
}

export function formatInvocation(record: InvocationRecord): string {
  const result = record.result === undefined ? '' : ` (${record.result})`;
  return `${record.functionName} [${record.trigger}] ${record.detail}: ${record.outcome}${result} in ${Math.round(record.durationMs)} ms`;
}

export function consoleLogger(options: ConsoleLoggerOptions): HostLogger {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = options.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  const stamp = () => new Date().toISOString().slice(11, 23);
  return {
    invocation(record) {
      if (!options.quiet) out(`${stamp()} ${formatInvocation(record)}`);
    },
    functionLog(functionName, invocationId, level, args) {
      const line = `${stamp()}   ${functionName} ${level}: ${format(...args)} (${invocationId.slice(0, 8)})`;
      if (level === 'error' || level === 'critical' || level === 'warning') err(line);
      else if (!options.quiet && level !== 'trace' && level !== 'debug') out(line);
    },
    info(message) {
      if (!options.quiet) out(message);
    },
    warn(message) {
      err(`warning: ${message}`);
    },
    error(message) {
      err(`error: ${message}`);
    },
  };
}

/** The InvocationContext's log handler: everything a function logs ends up in the host's log, tagged with the invocation. */
export function logHandlerFor(logger: HostLogger, functionName: string, invocationId: string): LogHandler {
  return (level, ...args) => logger.functionLog(functionName, invocationId, level, args);
}

/** A logger that keeps everything, for tests that assert on what was reported. */
export class RecordingLogger implements HostLogger {
  readonly invocations: InvocationRecord[] = [];
  readonly lines: { readonly level: string; readonly text: string }[] = [];

  invocation(record: InvocationRecord): void {
    this.invocations.push(record);
  }
  functionLog(functionName: string, _invocationId: string, level: LogLevel, args: readonly unknown[]): void {
    this.lines.push({ level, text: `${functionName}: ${format(...args)}` });
  }
  info(message: string): void {
    this.lines.push({ level: 'info', text: message });
  }
  warn(message: string): void {
    this.lines.push({ level: 'warning', text: message });
  }
  error(message: string): void {
    this.lines.push({ level: 'error', text: message });
  }
}
