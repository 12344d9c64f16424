import type { Timer } from '@azure/functions';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../../../../scripts/local-host/invocation-logger';
import {
  ncrontab,
  resolveSchedule,
  startTimers,
  type TimerScheduler,
} from '../../../../scripts/local-host/timer-scheduler';
import type { TimerFunctionDefinition } from '../../../../shared/host/function-definition';

function timerDef(
  schedule: string,
  handler: TimerFunctionDefinition['handler'] = async () => {},
  runOnStartup = false,
): TimerFunctionDefinition {
  return { name: 'tick', kind: 'timer', options: { schedule, runOnStartup }, handler };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('resolveSchedule', () => {
  it('resolves %SETTING% from the app settings, else from the setting default', () => {
    expect(resolveSchedule(timerDef('%PROBE_SCHEDULE%'), { PROBE_SCHEDULE: '*/30 * * * * *' })).toBe(
      '*/30 * * * * *',
    );
    expect(resolveSchedule(timerDef('%PROBE_SCHEDULE%'), {})).toBe('0 * * * * *');
    expect(resolveSchedule(timerDef('%RECONCILE_SCHEDULE%'), { RECONCILE_SCHEDULE: '  ' })).toBe(
      '0 */5 * * * *',
    );
    expect(resolveSchedule(timerDef('0  0 3 * * *'), {})).toBe('0 0 3 * * *');
  });

  it('refuses five-field cron and settings without a value or default', () => {
    expect(() => resolveSchedule(timerDef('*/5 * * * *'), {})).toThrow(/must have six fields, seconds first/);
    expect(() => resolveSchedule(timerDef('%NO_SUCH_SETTING%'), {})).toThrow(/no value and no default/);
  });
});

describe('ncrontab', () => {
  it('reads seconds first and needs day-of-month AND day-of-week to match, like NCrontab', () => {
    const fridayThe13th = ncrontab('0 0 0 13 * 5');
    expect(fridayThe13th.nextRun(new Date('2025-01-01T00:00:00Z'))?.toISOString()).toBe(
      '2025-06-13T00:00:00.000Z',
    );
    expect(ncrontab('30 */5 * * * *').nextRun(new Date('2025-01-01T00:01:00Z'))?.toISOString()).toBe(
      '2025-01-01T00:05:30.000Z',
    );
  });
});

describe('startTimers', () => {
  let scheduler: TimerScheduler | undefined;
  afterEach(async () => {
    await scheduler?.stop();
    scheduler = undefined;
  });

  it('runs on the schedule and runOnStartup, passing a Timer like the host', async () => {
    const timers: Timer[] = [];
    const logger = new RecordingLogger();
    const started = Date.now();
    scheduler = startTimers([timerDef('*/1 * * * * *', async (t) => void timers.push(t), true)], {}, logger);
    await sleep(2_150);
    expect(logger.invocations[0]?.detail).toBe('startup */1 * * * * *');
    expect(timers.length).toBeGreaterThanOrEqual(3);
    expect(timers.length).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 1000) + 1);
    const [first, second] = timers;
    expect(first).toMatchObject({ isPastDue: false, schedule: { adjustForDST: true } });
    expect(first?.scheduleStatus.last).toBe('0001-01-01T00:00:00.000Z');
    expect(Date.parse(second?.scheduleStatus.next ?? '')).toBeGreaterThan(
      Date.parse(second?.scheduleStatus.last ?? ''),
    );
    expect(logger.invocations.every((r) => r.trigger === 'timer' && r.outcome === 'succeeded')).toBe(true);
  });

  it('never runs the same timer twice at once: occurrences during a run are skipped and logged', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const logger = new RecordingLogger();
    scheduler = startTimers(
      [
        timerDef(
          '*/1 * * * * *',
          async () => {
            runs++;
            running++;
            maxRunning = Math.max(maxRunning, running);
            await sleep(2_300);
            running--;
          },
          true,
        ),
      ],
      {},
      logger,
    );
    await sleep(2_100);
    expect(runs).toBe(1);
    const skipped = logger.invocations.filter((r) => r.outcome === 'skipped');
    expect(skipped.length).toBeGreaterThanOrEqual(1);
    expect(skipped[0]?.result).toContain('still in progress');
    await scheduler.stop(); // waits for the run in flight
    expect(running).toBe(0);
    expect(maxRunning).toBe(1);
  });

  it('logs a failing run as failed and keeps the schedule', async () => {
    const logger = new RecordingLogger();
    scheduler = startTimers(
      [timerDef('*/1 * * * * *', async () => Promise.reject(new Error('nope')), true)],
      {},
      logger,
    );
    await sleep(1_500);
    const failed = logger.invocations.filter((r) => r.outcome === 'failed');
    expect(failed.length).toBeGreaterThanOrEqual(2);
    expect(failed[0]?.result).toBe('Error: nope');
  });

  it('refuses to start when any schedule is invalid, naming the function', () => {
    expect(() => startTimers([timerDef('0 0 25 * * *')], {}, new RecordingLogger())).toThrow(
      /Timer tick: schedule "0 0 25/,
    );
  });
});
