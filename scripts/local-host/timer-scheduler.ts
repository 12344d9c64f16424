import type { Timer } from '@azure/functions';
import { Cron } from 'croner';
import {
  resolveBindingExpression,
  type TimerFunctionDefinition,
} from '../../shared/host/function-definition';
import type { HostLogger } from './invocation-logger';
import { invoke } from './invoke';

/** What the host reports as "never ran": .NET's DateTime.MinValue. */
const NEVER = '0001-01-01T00:00:00.000Z';

/** A run later than this after its scheduled time is reported as past due, like the host's monitor. */
const PAST_DUE_AFTER_MS = 1_000;

export interface TimerSchedulerEnv {
  readonly [name: string]: string | undefined;
}

/** The definition's NCRONTAB with `%SETTING%` resolved (app setting, else its documented default), checked for six fields. */
export function resolveSchedule(definition: TimerFunctionDefinition, env: TimerSchedulerEnv): string {
  const schedule = resolveBindingExpression(definition.options.schedule, env).trim();
  const fields = schedule.split(/\s+/);
  if (fields.length !== 6) {
    throw new Error(
      `Timer ${definition.name}: schedule "${schedule}" (from ${definition.options.schedule}) must have six fields, seconds first ({second} {minute} {hour} {day} {month} {day-of-week}).`,
    );
  }
  return fields.join(' ');
}

/** Parses an NCRONTAB the way the host reads it: seconds first; day-of-month and day-of-week must both match. */
export function ncrontab(schedule: string): Cron {
  // legacyMode false = AND of day-of-month and day-of-week, as NCrontab does (Vixie cron ORs them).
  // UTC, as the host uses unless WEBSITE_TIME_ZONE says otherwise.
  return new Cron(schedule, { legacyMode: false, timezone: 'UTC' });
}

export interface ScheduledTimer {
  readonly name: string;
  readonly schedule: string;
  /** Next occurrence, for the startup listing. */
  nextRun(): Date | null;
}

export interface TimerScheduler {
  readonly timers: readonly ScheduledTimer[];
  stop(): Promise<void>;
}

/**
 * Runs every timer function on its schedule. Like the host's singleton lock, a timer never runs
 * twice at once: an occurrence that comes while the previous run is still busy is skipped and
 * logged. `runOnStartup` runs once right away.
 */
export function startTimers(
  definitions: readonly TimerFunctionDefinition[],
  env: TimerSchedulerEnv,
  logger: HostLogger,
): TimerScheduler {
  // Resolve every schedule first, so one bad expression stops the host before any timer fires.
  const planned = definitions.map((definition) => {
    const schedule = resolveSchedule(definition, env);
    try {
      return { definition, schedule, job: ncrontab(schedule) };
    } catch (error) {
      throw new Error(
        `Timer ${definition.name}: schedule "${schedule}" is not valid NCRONTAB: ${(error as Error).message}`,
      );
    }
  });
  const inFlight = new Set<Promise<unknown>>();
  const jobs: Cron[] = [];
  const timers: ScheduledTimer[] = [];

  for (const { definition, schedule, job } of planned) {
    let running = false;
    let last = NEVER;

    const fire = (scheduledAt: Date, reason: 'schedule' | 'startup') => {
      if (running) {
        logger.invocation({
          functionName: definition.name,
          invocationId: '-',
          trigger: 'timer',
          detail: `${reason} ${schedule}`,
          durationMs: 0,
          outcome: 'skipped',
          result: 'the previous run is still in progress',
        });
        return;
      }
      running = true;
      const now = new Date();
      const timer: Timer = {
        isPastDue: now.getTime() - scheduledAt.getTime() > PAST_DUE_AFTER_MS,
        schedule: { adjustForDST: true },
        scheduleStatus: {
          last,
          next: job.nextRun()?.toISOString() ?? NEVER,
          lastUpdated: now.toISOString(),
        },
      };
      last = scheduledAt.toISOString();
      const run = invoke({
        logger,
        functionName: definition.name,
        trigger: 'timer',
        detail: `${reason} ${schedule}`,
        run: (context) => definition.handler(timer, context),
      }).finally(() => {
        running = false;
        inFlight.delete(run);
      });
      inFlight.add(run);
    };

    // croner calls back at (or just after) the occurrence; NCRONTAB has one-second resolution.
    job.schedule(() => fire(new Date(Math.floor(Date.now() / 1000) * 1000), 'schedule'));
    jobs.push(job);
    timers.push({ name: definition.name, schedule, nextRun: () => job.nextRun() });
    if (definition.options.runOnStartup === true) fire(new Date(), 'startup');
  }

  return {
    timers,
    async stop() {
      for (const job of jobs) job.stop();
      await Promise.allSettled([...inFlight]);
    },
  };
}
